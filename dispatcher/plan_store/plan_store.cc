#include "dispatcher/plan_store/plan_store.h"

#include <map>
#include <optional>

#include "dispatcher/message/message_channel_name.h"
#include "dispatcher/message/message_sql.h"
#include "dispatcher/store/multi_row_insert.h"

namespace kehrbote {
namespace {

std::string MessagesTable(std::string_view id_column) {
  return "CREATE TABLE messages (id " + std::string(id_column) +
         ", firm_id TEXT NOT NULL, appointment_id TEXT NOT NULL, "
         "appointment_version INTEGER NOT NULL, rule_id TEXT NOT NULL, purpose TEXT NOT NULL, "
         "channel TEXT NOT NULL, contact_key TEXT NOT NULL, recipient TEXT NOT NULL, "
         "sender TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '', body TEXT NOT NULL, "
         "segments INTEGER NOT NULL DEFAULT 0, due_at BIGINT NOT NULL, deadline_at BIGINT NOT NULL, "
         "state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT, "
         "last_error TEXT, gateway_message_id TEXT, dlr_token TEXT, created_at BIGINT NOT NULL, "
         "updated_at BIGINT NOT NULL, sent_at BIGINT, final_at BIGINT, "
         "reason TEXT NOT NULL DEFAULT '', "
         "UNIQUE (firm_id, appointment_id, appointment_version, contact_key, rule_id));"
         "CREATE INDEX messages_due ON messages (state, due_at);"
         "CREATE INDEX messages_firm_due ON messages (firm_id, due_at);"
         "CREATE TABLE skips (id " +
         std::string(id_column) +
         ", firm_id TEXT NOT NULL, appointment_id TEXT NOT NULL, "
         "appointment_version INTEGER NOT NULL, rule_id TEXT NOT NULL, channel TEXT NOT NULL, "
         "contact TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, "
         "created_at BIGINT NOT NULL, "
         "UNIQUE (firm_id, appointment_id, appointment_version, rule_id, contact, kind));"
         "CREATE INDEX skips_firm_created ON skips (firm_id, created_at)";
}

constexpr const char* kPlannedVersions =
    "CREATE TABLE planned_versions (firm_id TEXT NOT NULL, appointment_id TEXT NOT NULL, "
    "version INTEGER NOT NULL, planned_at BIGINT NOT NULL, "
    "PRIMARY KEY (firm_id, appointment_id, version))";

constexpr const char* kPlannedPolicy =
    "ALTER TABLE planned_versions ADD COLUMN policy TEXT NOT NULL DEFAULT ''";

// The data (address, names) a version was planned with: an export that edits
// only those refreshes the version in place, and its pending texts are then
// planned again. Rows from before have '' and are planned again once.
constexpr const char* kPlannedDataHash =
    "ALTER TABLE planned_versions ADD COLUMN data_hash TEXT NOT NULL DEFAULT ''";

Instant At(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }
int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }

}  // namespace

const std::vector<Migration>& PlanningMigrations() {
  static const std::vector<Migration> m = {
      {1, MessagesTable("INTEGER PRIMARY KEY AUTOINCREMENT"), MessagesTable("BIGSERIAL PRIMARY KEY")},
      {2, kPlannedVersions, kPlannedVersions},
      {3, kPlannedPolicy, kPlannedPolicy},
      {4, kPlannedDataHash, kPlannedDataHash},
  };
  return m;
}

void PlanStore::Migrate() { db_.Migrate(kPlanningComponent, PlanningMigrations()); }

namespace {

// The planner's diff reads the subset of the row ExistingMessage holds; the
// columns and their conversions are the table's one mapping (stored_message.h).
constexpr MessageColumns kExistingColumns = {
    MessageColumn::kId,         MessageColumn::kAppointmentId, MessageColumn::kAppointmentVersion,
    MessageColumn::kRuleId,     MessageColumn::kPurpose,       MessageColumn::kChannel,
    MessageColumn::kContactKey, MessageColumn::kRecipient,     MessageColumn::kDueAt,
    MessageColumn::kDeadlineAt, MessageColumn::kState};

ExistingMessage ToExisting(StoredMessage&& s) {
  ExistingMessage e;
  e.id = s.id;
  e.appointment_version = s.appointment_version;
  e.rule_id = std::move(s.rule_id);
  e.purpose = s.purpose;
  e.channel = s.channel;
  e.contact_key = std::move(s.contact_key);
  e.recipient = std::move(s.recipient);
  e.state = s.state;
  e.deadline = s.deadline;
  e.due = s.due;
  return e;
}

// `plan --firm` lists these columns of every message.
constexpr MessageColumns kListingColumns = {MessageColumn::kId,
                                            MessageColumn::kFirmId,
                                            MessageColumn::kAppointmentId,
                                            MessageColumn::kAppointmentVersion,
                                            MessageColumn::kRuleId,
                                            MessageColumn::kPurpose,
                                            MessageColumn::kChannel,
                                            MessageColumn::kContactKey,
                                            MessageColumn::kRecipient,
                                            MessageColumn::kSender,
                                            MessageColumn::kSubject,
                                            MessageColumn::kBody,
                                            MessageColumn::kSegments,
                                            MessageColumn::kDueAt,
                                            MessageColumn::kDeadlineAt,
                                            MessageColumn::kState,
                                            MessageColumn::kReason,
                                            MessageColumn::kLastError};

// The skips row of SkipRow, read by ReadSkipRow.
constexpr const char* kSkipRowColumns =
    "firm_id, appointment_id, appointment_version, rule_id, channel, contact, kind, reason, "
    "created_at";

SkipRow ReadSkipRow(const SqlStatement& q) {
  SkipRow k;
  k.firm_id = q.Text(0);
  k.appointment_id = q.Text(1);
  k.appointment_version = q.Int(2);
  k.rule_id = q.Text(3);
  k.channel = q.Text(4);
  k.contact = q.Text(5);
  k.kind = q.Text(6);
  k.reason = q.Text(7);
  k.created_at = At(q.Int(8));
  return k;
}

// The insert of planned messages: each new row 'planned' and untried; nothing
// if its UNIQUE key exists (two dispatchers or a repeated pass never plan one
// message twice).
MultiRowInsert MessageInsert(SqlConnection& c) {
  constexpr SqlType kText = SqlType::kText, kInt = SqlType::kInt;
  return MultiRowInsert(
      c, "messages",
      {{"firm_id", kText},     {"appointment_id", kText}, {"appointment_version", kInt},
       {"rule_id", kText},     {"purpose", kText},        {"channel", kText},
       {"contact_key", kText}, {"recipient", kText},      {"sender", kText},
       {"subject", kText},     {"body", kText},           {"segments", kInt},
       {"due_at", kInt},       {"deadline_at", kInt},     {"state", kText},
       {"attempts", kInt},     {"next_attempt_at", kInt}, {"created_at", kInt},
       {"updated_at", kInt},   {"reason", kText}},
      "ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, rule_id) "
      "DO NOTHING");
}

// Adds `m` to MessageInsert(). The texts are m's own and outlive the insert.
void AddMessage(MultiRowInsert& insert, const PlannedMessage& m, int64_t now) {
  const int64_t due = Seconds(m.due);
  insert.Row(m.firm_id, m.appointment_id, m.appointment_version, m.rule_id, ToString(m.purpose),
             ToString(m.channel), m.contact_key, m.recipient, m.sender, m.subject, m.body,
             static_cast<int64_t>(m.segments), due, Seconds(m.deadline),
             ToString(MessageState::kPlanned), int64_t{0}, due, now, now, m.reason);
}

// One statement run once per row inside a SqlBatch: the rows go in one round
// trip on PostgreSQL (pipelined), and are local calls on SQLite anyway.
// Finish() returns the rows changed (the batch's count; Run() in a batch returns
// 0 on both engines). Text bound by Row() must outlive the next Run() (SQLite
// binds without copying).
class PerRowWrite {
 public:
  PerRowWrite(SqlConnection& c, const std::string& sql) : st_(c, sql), batch_(c) {}

  template <typename... Values>
  void Row(const Values&... values) {
    st_.BindAll(values...);
    Run();
  }
  void Run() { st_.Run(); }
  int Finish() { return static_cast<int>(batch_.Finish()); }

 private:
  SqlStatement st_;  // prepared before the batch begins (PQprepare leaves a pipeline)
  SqlBatch batch_;
};

// "UPDATE ... SET state = 'cancelled' ... WHERE state IN ('planned', 'held')
// AND id = ?" (binds: reason, updated_at, final_at, id): cancelling only
// touches pending rows, so a message the outbox has claimed is never cancelled
// under its feet.
std::string CancelPendingSql() {
  return "UPDATE messages SET state = " +
         SqlMoveTo({MessageState::kPlanned, MessageState::kHeld}, MessageState::kCancelled,
                   MessageActor::kPlanner, "cancelling pending messages") +
         ", last_error = ?, updated_at = ?, final_at = ? WHERE state IN " +
         SqlList({MessageState::kPlanned, MessageState::kHeld}) + " AND id = ?";
}

}  // namespace

PlanStore::FirmMessages PlanStore::MessagesOfFirm(SqlConnection& c, std::string_view firm_id) {
  // Every message of the firm, so that the count and highest id are
  // MessageFingerprint's; heartbeats and alarms are left out here.
  static const std::string sql =
      "SELECT " + kExistingColumns.SelectList() + " FROM messages WHERE firm_id = ? ORDER BY id";
  SqlStatement q(c, sql);
  q.Bind(1, firm_id);
  FirmMessages out;
  while (q.Step()) {
    StoredMessage s = ReadStoredMessage(q, kExistingColumns);
    ++out.fingerprint.first;
    out.fingerprint.second = s.id;  // ascending
    if (s.rule_id == "heartbeat" || s.rule_id == "alarm") continue;
    std::string appointment_id = std::move(s.appointment_id);
    out.existing[appointment_id].push_back(ToExisting(std::move(s)));
  }
  return out;
}

std::map<std::string, std::vector<ExistingMessage>> PlanStore::ExistingMessagesOfFirm(
    SqlConnection& c, std::string_view firm_id) {
  return MessagesOfFirm(c, firm_id).existing;
}

std::vector<std::string> PlanStore::UnplannedAppointments(SqlConnection& c,
                                                          std::string_view firm_id, Instant after,
                                                          std::string_view policy) {
  SqlStatement q(c,
                 "SELECT a.appointment_id FROM appointments a LEFT JOIN planned_versions p "
                 "ON p.firm_id = a.firm_id AND p.appointment_id = a.appointment_id AND "
                 "p.version = a.current_version AND p.policy = ? AND p.data_hash = a.data_hash "
                 "WHERE a.firm_id = ? AND "
                 "a.start_at > ? AND p.version IS NULL ORDER BY a.appointment_id");
  q.BindAll(policy, firm_id, Seconds(after));
  std::vector<std::string> ids;
  while (q.Step()) ids.push_back(q.Text(0));
  return ids;
}

void PlanStore::MarkPlanned(SqlConnection& c, std::string_view firm_id,
                            const std::vector<PlannedVersion>& versions, std::string_view policy,
                            Instant at) {
  if (versions.empty()) return;
  // One row per appointment version: no two rows of one statement share a key,
  // as DO UPDATE needs (multi_row_insert.h).
  constexpr SqlType kText = SqlType::kText, kInt = SqlType::kInt;
  MultiRowInsert insert(c, "planned_versions",
                        {{"firm_id", kText},
                         {"appointment_id", kText},
                         {"version", kInt},
                         {"planned_at", kInt},
                         {"policy", kText},
                         {"data_hash", kText}},
                        "ON CONFLICT (firm_id, appointment_id, version) DO UPDATE SET "
                        "planned_at = excluded.planned_at, policy = excluded.policy, "
                        "data_hash = excluded.data_hash");
  for (const PlannedVersion& v : versions)
    insert.Row(firm_id, v.appointment_id, v.version, Seconds(at), policy, v.data_hash);
  insert.Finish();
}

bool PlanStore::InsertMessage(SqlConnection& c, const PlannedMessage& m, Instant now) {
  MultiRowInsert insert = MessageInsert(c);
  AddMessage(insert, m, Seconds(now));
  return insert.Finish() > 0;
}

PlanWriteResult PlanStore::Write(SqlConnection& c, const AppointmentPlan& plan, Instant now) {
  return WriteAll(c, {&plan}, now);
}

PlanWriteResult PlanStore::WriteAll(SqlConnection& c,
                                    const std::vector<const AppointmentPlan*>& plans, Instant now) {
  PlanWriteResult r;
  const int64_t at = Seconds(now);
  {
    PerRowWrite w(c, CancelPendingSql());
    for (const AppointmentPlan* p : plans) {
      for (int64_t id : p->cancel) w.Row(p->cancel_reason, at, at, id);
      for (const auto& [id, reason] : p->withdraw) w.Row(reason, at, at, id);
    }
    r.cancelled = w.Finish();
  }
  {
    // Re-planned rows: only while still 'planned' and untried (the outbox has
    // not claimed them).
    RequireTransition(MessageState::kPlanned, MessageState::kPlanned, MessageActor::kPlanner,
                      "re-planning messages");
    PerRowWrite w(c,
                  "UPDATE messages SET due_at = ?, next_attempt_at = ?, deadline_at = ?, "
                  "subject = ?, body = ?, segments = ?, reason = ?, updated_at = ? "
                  "WHERE id = ? AND state = " +
                      SqlLiteral(MessageState::kPlanned) + " AND attempts = 0");
    for (const AppointmentPlan* p : plans)
      for (const PlannedMessage& m : p->replan)
        w.Row(Seconds(m.due), Seconds(m.due), Seconds(m.deadline), m.subject, m.body,
              static_cast<int64_t>(m.segments), m.reason, at, m.id);
    r.replanned = w.Finish();
  }
  {
    MultiRowInsert insert = MessageInsert(c);
    for (const AppointmentPlan* p : plans)
      for (const PlannedMessage& m : p->messages) AddMessage(insert, m, at);
    r.planned = static_cast<int>(insert.Finish());
  }
  {
    constexpr SqlType kText = SqlType::kText, kInt = SqlType::kInt;
    MultiRowInsert insert(c, "skips",
                          {{"firm_id", kText},
                           {"appointment_id", kText},
                           {"appointment_version", kInt},
                           {"rule_id", kText},
                           {"channel", kText},
                           {"contact", kText},
                           {"kind", kText},
                           {"reason", kText},
                           {"created_at", kInt}},
                          "ON CONFLICT (firm_id, appointment_id, appointment_version, rule_id, "
                          "contact, kind) DO NOTHING");
    for (const AppointmentPlan* p : plans)
      for (const PlannedSkip& k : p->skips)
        insert.Row(k.firm_id, k.appointment_id, k.appointment_version, k.rule_id,
                   ToString(k.channel), k.contact, ToString(k.kind), k.reason, at);
    r.skipped = static_cast<int>(insert.Finish());
  }
  return r;
}

std::vector<StoredMessage> PlanStore::ListMessages(std::string_view firm_id) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, "SELECT " + kListingColumns.SelectList() +
                         " FROM messages WHERE firm_id = ? ORDER BY due_at, id");
  q.Bind(1, firm_id);
  std::vector<StoredMessage> out;
  while (q.Step()) out.push_back(ReadStoredMessage(q, kListingColumns));
  return out;
}

std::vector<SkipRow> PlanStore::ListSkips(std::string_view firm_id) {
  PooledConnection c = db_.Connect();
  SqlStatement q(
      *c, std::string("SELECT ") + kSkipRowColumns + " FROM skips WHERE firm_id = ? ORDER BY id");
  q.Bind(1, firm_id);
  std::vector<SkipRow> out;
  while (q.Step()) out.push_back(ReadSkipRow(q));
  return out;
}

std::pair<int64_t, int64_t> PlanStore::MessageFingerprint(SqlConnection& c,
                                                          std::string_view firm_id) {
  SqlStatement q(c, "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM messages WHERE firm_id = ?");
  q.Bind(1, firm_id);
  std::pair<int64_t, int64_t> out{0, 0};
  if (q.Step()) out = {q.Int(0), q.Int(1)};
  while (q.Step()) {
  }
  return out;
}

bool PlanStore::HasMessage(std::string_view firm_id, std::string_view appointment_id,
                           std::string_view rule_id) {
  PooledConnection c = db_.Connect();
  return QueryInt(*c,
                  "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND appointment_id = ? AND "
                  "rule_id = ?",
                  firm_id, appointment_id, rule_id)
             .value_or(0) > 0;
}

int PlanStore::CountMessagesDue(std::string_view firm_id, Instant from, Instant to) {
  static const std::string sql =
      "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND due_at >= ? AND due_at < ? "
      "AND state <> " +
      SqlLiteral(MessageState::kCancelled) + " AND purpose NOT IN " +
      SqlList({MessagePurpose::kHeartbeat, MessagePurpose::kAlarm});
  PooledConnection c = db_.Connect();
  return static_cast<int>(QueryInt(*c, sql, firm_id, Seconds(from), Seconds(to)).value_or(0));
}

int PlanStore::CountInvalidContacts(std::string_view firm_id, Instant from, Instant to) {
  PooledConnection c = db_.Connect();
  return static_cast<int>(
      QueryInt(*c,
               "SELECT COUNT(*) FROM skips WHERE firm_id = ? AND created_at >= ? AND "
               "created_at < ? AND kind IN ('landline', 'invalid_number', 'invalid_email')",
               firm_id, Seconds(from), Seconds(to))
          .value_or(0));
}

std::optional<Instant> PlanStore::NextDue(Instant after) {
  static const std::string sql =
      "SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM messages WHERE state = " +
      SqlLiteral(MessageState::kPlanned) + " AND COALESCE(next_attempt_at, due_at) > ?";
  PooledConnection c = db_.Connect();
  if (std::optional<int64_t> n = QueryInt(*c, sql, Seconds(after))) return At(*n);
  return std::nullopt;
}

}  // namespace kehrbote
