#include "dispatcher/plan_store/plan_store.h"

#include <initializer_list>
#include <map>
#include <optional>
#include <variant>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "dispatcher/message/message_channel_name.h"
#include "dispatcher/message/message_sql.h"
#include "dispatcher/store/sqlite_statement.h"

namespace kehrbote {
namespace {

using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;
using namespace Poco::Data::Keywords;

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

Instant At(const Poco::Dynamic::Var& v) {
  return Instant(std::chrono::seconds(v.isEmpty() ? 0 : v.convert<Poco::Int64>()));
}

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

// Columns: id, appointment_version, rule_id, purpose, channel, contact_key,
// recipient, state, deadline_at, then due_at at `due_column`.
ExistingMessage ReadExisting(RecordSet& rs, size_t row, size_t due_column) {
  ExistingMessage e;
  e.id = rs.value(0, row).convert<Poco::Int64>();
  e.appointment_version = rs.value(1, row).convert<Poco::Int64>();
  e.rule_id = rs.value(2, row).convert<std::string>();
  e.purpose = ParseMessagePurpose(rs.value(3, row).convert<std::string>());
  e.channel = ParseMessageChannel(rs.value(4, row).convert<std::string>());
  e.contact_key = rs.value(5, row).convert<std::string>();
  e.recipient = rs.value(6, row).convert<std::string>();
  e.state = ParseMessageState(rs.value(7, row).convert<std::string>());
  e.deadline = At(rs.value(8, row));
  e.due = At(rs.value(due_column, row));
  return e;
}


// The rows of one INSERT, written as the dialect does it fastest: on SQLite one
// prepared statement re-run per row (no round trips; Poco's per-row binding
// costs more than SQLite's work); on PostgreSQL multi-row INSERTs of up to
// kRowsPerStatement rows (one round trip each instead of one per row).
class RowBatch {
 public:
  // `tuple` is one row's "(?, ?, 'planned', ?)"; `tail` follows the VALUES list.
  RowBatch(const Database& db, std::string head, std::string tuple, std::string tail)
      : db_(db), head_(std::move(head)), tuple_(std::move(tuple)), tail_(std::move(tail)) {
    for (char c : tuple_) cols_ += c == '?';
  }

  RowBatch& Text(std::string v) {
    cells_.push_back({true, 0, std::move(v)});
    return *this;
  }
  RowBatch& Int(int64_t v) {
    cells_.push_back({false, v, {}});
    return *this;
  }
  bool empty() const { return cells_.empty(); }

  // Runs the statement(s); returns the rows inserted (or updated).
  int Run(Session& session) {
    if (cells_.empty()) return 0;
    const size_t rows = cells_.size() / cols_;
    int changed = 0;
    if (db_.dialect() == SqlDialect::kSqlite) {
      SqliteStatement st(session, head_ + tuple_ + tail_);
      size_t c = 0;
      for (size_t row = 0; row < rows; ++row) {
        for (int pos = 1; pos <= static_cast<int>(cols_); ++pos, ++c) {
          if (cells_[c].text) st.Bind(pos, cells_[c].s);
          else st.Bind(pos, cells_[c].i);
        }
        changed += st.Run();
      }
      return changed;
    }
    // libpq refuses a statement description longer than 30,000 bytes ("lost
    // synchronization with server"): 4 bytes per parameter, so at most ~7,000.
    const size_t per_statement = std::max<size_t>(1, std::min(kRowsPerStatement, 7000 / cols_));
    for (size_t first = 0; first < rows; first += per_statement) {
      const size_t n = std::min(per_statement, rows - first);
      std::string sql = head_;
      sql.reserve(head_.size() + n * (tuple_.size() + 1) + tail_.size());
      for (size_t row = 0; row < n; ++row) {
        if (row) sql += ',';
        sql += tuple_;
      }
      sql += tail_;
      Statement st(session);
      st << db_.Sql(sql);
      for (size_t c = first * cols_; c < (first + n) * cols_; ++c) {
        if (cells_[c].text) st.addBind(use(cells_[c].s));
        else st.addBind(use(cells_[c].i));
      }
      try {
        changed += static_cast<int>(st.execute());
      } catch (const Poco::Exception& e) {
        throw DatabaseError("store '" + db_.description() + "': " + head_.substr(0, 40) + "... (" +
                            std::to_string(n) + " rows): " + e.displayText());
      }
    }
    return changed;
  }

 private:
  static constexpr size_t kRowsPerStatement = 500;
  struct Cell {
    bool text;
    Poco::Int64 i;
    std::string s;
  };
  const Database& db_;
  std::string head_, tuple_, tail_;
  size_t cols_ = 0;
  std::vector<Cell> cells_;
};

}  // namespace

std::map<std::string, std::vector<ExistingMessage>> PlanStore::ExistingMessagesOfFirm(
    Session& session, std::string_view firm_id) {
  std::string f(firm_id);
  const char* sql =
      "SELECT id, appointment_version, rule_id, purpose, channel, contact_key, "
      "recipient, state, deadline_at, appointment_id, due_at FROM messages WHERE firm_id = ? "
      "AND rule_id NOT IN ('heartbeat', 'alarm') ORDER BY id";
  if (db_.dialect() == SqlDialect::kSqlite) {
    SqliteStatement q(session, sql);
    q.Bind(1, f);
    std::map<std::string, std::vector<ExistingMessage>> out;
    while (q.Step()) {
      ExistingMessage e;
      e.id = q.Int(0);
      e.appointment_version = q.Int(1);
      e.rule_id = q.Text(2);
      e.purpose = ParseMessagePurpose(q.Text(3));
      e.channel = ParseMessageChannel(q.Text(4));
      e.contact_key = q.Text(5);
      e.recipient = q.Text(6);
      e.state = ParseMessageState(q.Text(7));
      e.deadline = Instant(std::chrono::seconds(q.Int(8)));
      e.due = Instant(std::chrono::seconds(q.Int(10)));
      out[q.Text(9)].push_back(std::move(e));
    }
    return out;
  }
  Statement st(session);
  st << db_.Sql(sql), use(f);
  st.execute();
  RecordSet rs(st);
  std::map<std::string, std::vector<ExistingMessage>> out;
  for (size_t row = 0; row < rs.rowCount(); ++row)
    out[rs.value(9, row).convert<std::string>()].push_back(ReadExisting(rs, row, 10));
  return out;
}

std::set<std::pair<std::string, int64_t>> PlanStore::PlannedVersions(Session& session,
                                                                   std::string_view firm_id,
                                                                   std::string_view policy) {
  std::string f(firm_id), pol(policy);
  const char* sql =
      "SELECT p.appointment_id, p.version FROM planned_versions p JOIN appointments a ON "
      "a.firm_id = p.firm_id AND a.appointment_id = p.appointment_id AND "
      "a.data_hash = p.data_hash WHERE p.firm_id = ? AND p.policy = ?";
  std::set<std::pair<std::string, int64_t>> out;
  if (db_.dialect() == SqlDialect::kSqlite) {
    // Per firm and pass: Poco's compile and binding cost more than the query.
    SqliteStatement q(session, sql);
    q.Bind(1, f).Bind(2, pol);
    while (q.Step()) out.emplace(q.Text(0), q.Int(1));
    return out;
  }
  std::vector<std::string> ids;
  std::vector<Poco::Int64> versions;
  session << db_.Sql(sql), use(f), use(pol), into(ids), into(versions), now;
  for (size_t i = 0; i < ids.size(); ++i) out.emplace(std::move(ids[i]), versions[i]);
  return out;
}

std::vector<std::string> PlanStore::UnplannedAppointments(Session& session,
                                                          std::string_view firm_id, Instant after,
                                                          std::string_view policy) {
  std::string f(firm_id), pol(policy);
  Poco::Int64 a = after.time_since_epoch().count();
  std::vector<std::string> ids;
  const char* sql =
      "SELECT a.appointment_id FROM appointments a LEFT JOIN planned_versions p "
      "ON p.firm_id = a.firm_id AND p.appointment_id = a.appointment_id AND "
      "p.version = a.current_version AND p.policy = ? AND p.data_hash = a.data_hash "
      "WHERE a.firm_id = ? AND "
      "a.start_at > ? AND p.version IS NULL ORDER BY a.appointment_id";
  if (db_.dialect() == SqlDialect::kSqlite) {
    SqliteStatement q(session, sql);
    q.Bind(1, pol).Bind(2, f).Bind(3, static_cast<int64_t>(a));
    while (q.Step()) ids.push_back(q.Text(0));
    return ids;
  }
  session << db_.Sql(sql), use(pol), use(f), use(a), into(ids), now;
  return ids;
}

void PlanStore::MarkPlanned(Session& session, std::string_view firm_id,
                            const std::vector<PlannedVersion>& versions, std::string_view policy,
                            Instant at) {
  if (versions.empty()) return;
  RowBatch rows(db_, "INSERT INTO planned_versions (firm_id, appointment_id, version, planned_at, policy, data_hash) VALUES ",
                "(?, ?, ?, ?, ?, ?)",
                " ON CONFLICT (firm_id, appointment_id, version) DO UPDATE SET "
                "planned_at = excluded.planned_at, policy = excluded.policy, "
                "data_hash = excluded.data_hash");
  // One row per version: PostgreSQL refuses to update a row twice in one statement.
  std::set<std::pair<std::string, int64_t>> seen;
  for (const PlannedVersion& v : versions) {
    if (!seen.emplace(v.appointment_id, v.version).second) continue;
    rows.Text(std::string(firm_id)).Text(v.appointment_id).Int(v.version)
        .Int(at.time_since_epoch().count()).Text(std::string(policy)).Text(v.data_hash);
  }
  rows.Run(session);
}

bool PlanStore::InsertMessage(Session& session, const PlannedMessage& m, Instant now) {
  std::string firm = m.firm_id, appt = m.appointment_id, rule = m.rule_id,
              purpose(ToString(m.purpose)), channel(ToString(m.channel)), key = m.contact_key,
              recipient = m.recipient, sender = m.sender, subject = m.subject, body = m.body,
              reason = m.reason;
  Poco::Int64 version = m.appointment_version, segments = m.segments,
              due = m.due.time_since_epoch().count(),
              deadline = m.deadline.time_since_epoch().count(),
              created = now.time_since_epoch().count();
  Statement st(session);
  st << db_.Sql(
      "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
      "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
      "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at, "
      "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " +
      SqlLiteral(MessageState::kPlanned) +
      ", 0, ?, ?, ?, ?) "
      "ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, rule_id) "
      "DO NOTHING"),
      use(firm), use(appt), use(version), use(rule), use(purpose), use(channel), use(key),
      use(recipient), use(sender), use(subject), use(body), use(segments), use(due), use(deadline),
      use(due), use(created), use(created), use(reason);
  return st.execute() > 0;
}

PlanWriteResult PlanStore::Write(Session& session, const AppointmentPlan& plan, Instant now) {
  return WriteAll(session, {&plan}, now);
}

namespace {
// "UPDATE ... SET state = 'cancelled' ... WHERE state IN ('planned', 'held')"
// (binds: reason, updated_at, final_at): cancelling only touches pending rows,
// so a message the outbox has claimed is never cancelled under its feet.
std::string CancelPendingSql() {
  return "UPDATE messages SET state = " +
         SqlMoveTo({MessageState::kPlanned, MessageState::kHeld}, MessageState::kCancelled,
                   MessageActor::kPlanner, "cancelling pending messages") +
         ", last_error = ?, updated_at = ?, final_at = ? WHERE state IN " +
         SqlList({MessageState::kPlanned, MessageState::kHeld});
}
}  // namespace

PlanWriteResult PlanStore::WriteAll(Session& session, const std::vector<const AppointmentPlan*>& plans,
                                    Instant now) {
  // One statement per table for all plans (RowBatch: prepared once on SQLite,
  // multi-row on PostgreSQL).
  PlanWriteResult r;
  const Poco::Int64 at = now.time_since_epoch().count();
  {
    std::vector<Poco::Int64> ids;
    std::vector<std::string> why;
    for (const AppointmentPlan* p : plans) {
      for (int64_t id : p->cancel) {
        ids.push_back(id);
        why.push_back(p->cancel_reason);
      }
      for (const auto& [id, reason] : p->withdraw) {
        ids.push_back(id);
        why.push_back(reason);
      }
    }
    if (!ids.empty() && db_.dialect() == SqlDialect::kSqlite) {
      SqliteStatement st(session, CancelPendingSql() + " AND id = ?");
      for (size_t i = 0; i < ids.size(); ++i)
        r.cancelled += st.Bind(1, why[i]).Bind(2, at).Bind(3, at).Bind(4, ids[i]).Run();
    } else if (!ids.empty()) {
      // PostgreSQL: one UPDATE per reason for all its ids, not a round trip per row.
      std::map<std::string, std::vector<Poco::Int64>> by_reason;
      for (size_t i = 0; i < ids.size(); ++i) by_reason[why[i]].push_back(ids[i]);
      for (auto& [reason, list] : by_reason) {
        for (size_t first = 0; first < list.size(); first += 1000) {
          const size_t n = std::min<size_t>(1000, list.size() - first);
          std::string sql = CancelPendingSql() + " AND id IN (";
          for (size_t i = 0; i < n; ++i) sql += i ? ",?" : "?";
          sql += ')';
          std::string why_text = reason;
          Poco::Int64 stamp = at;
          Statement st(session);
          st << db_.Sql(sql);
          st.addBind(use(why_text));
          st.addBind(use(stamp));
          st.addBind(use(stamp));
          for (size_t i = first; i < first + n; ++i) st.addBind(use(list[i]));
          r.cancelled += static_cast<int>(st.execute());
        }
      }
    }
  }
  {
    // Re-planned rows: only while still 'planned' and untried (the outbox has
    // not claimed them).
    std::vector<Poco::Int64> ids, due, deadline, segments;
    std::vector<std::string> subject, body, reason;
    for (const AppointmentPlan* p : plans)
      for (const PlannedMessage& m : p->replan) {
        ids.push_back(m.id);
        due.push_back(m.due.time_since_epoch().count());
        deadline.push_back(m.deadline.time_since_epoch().count());
        segments.push_back(m.segments);
        subject.push_back(m.subject);
        body.push_back(m.body);
        reason.push_back(m.reason);
      }
    if (!ids.empty()) {
      RequireTransition(MessageState::kPlanned, MessageState::kPlanned, MessageActor::kPlanner,
                        "re-planning messages");
      std::vector<Poco::Int64> stamp(ids.size(), at);
      Statement st(session);
      st << db_.Sql(
          "UPDATE messages SET due_at = ?, next_attempt_at = ?, deadline_at = ?, "
          "subject = ?, body = ?, segments = ?, reason = ?, updated_at = ? "
          "WHERE id = ? AND state = " +
          SqlLiteral(MessageState::kPlanned) + " AND attempts = 0"),
          use(due), use(due), use(deadline), use(subject), use(body), use(segments), use(reason),
          use(stamp), use(ids);
      r.replanned = static_cast<int>(st.execute());
    }
  }
  {
    RowBatch rows(db_,
                  "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                  "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                  "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at, "
                  "reason) VALUES ",
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " +
                      SqlLiteral(MessageState::kPlanned) + ", 0, ?, ?, ?, ?)",
                  " ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, "
                  "rule_id) DO NOTHING");
    for (const AppointmentPlan* p : plans)
      for (const PlannedMessage& m : p->messages) {
        const int64_t due = m.due.time_since_epoch().count();
        rows.Text(m.firm_id)
            .Text(m.appointment_id)
            .Int(m.appointment_version)
            .Text(m.rule_id)
            .Text(std::string(ToString(m.purpose)))
            .Text(std::string(ToString(m.channel)))
            .Text(m.contact_key)
            .Text(m.recipient)
            .Text(m.sender)
            .Text(m.subject)
            .Text(m.body)
            .Int(m.segments)
            .Int(due)
            .Int(m.deadline.time_since_epoch().count())
            .Int(due)
            .Int(at)
            .Int(at)
            .Text(m.reason);
      }
    r.planned = rows.Run(session);
  }
  {
    RowBatch rows(db_,
                  "INSERT INTO skips (firm_id, appointment_id, appointment_version, rule_id, "
                  "channel, contact, kind, reason, created_at) VALUES ",
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  " ON CONFLICT (firm_id, appointment_id, appointment_version, rule_id, contact, "
                  "kind) DO NOTHING");
    for (const AppointmentPlan* p : plans)
      for (const PlannedSkip& k : p->skips)
        rows.Text(k.firm_id).Text(k.appointment_id).Int(k.appointment_version).Text(k.rule_id)
            .Text(std::string(ToString(k.channel))).Text(k.contact).Text(std::string(ToString(k.kind)))
            .Text(k.reason).Int(at);
    r.skipped = rows.Run(session);
  }
  return r;
}

std::vector<MessageRow> PlanStore::ListMessages(std::string_view firm_id) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Statement st(s);
  st << db_.Sql("SELECT id, firm_id, appointment_id, appointment_version, rule_id, purpose, "
                "channel, contact_key, recipient, sender, subject, body, segments, due_at, "
                "deadline_at, state, reason, COALESCE(last_error, '') FROM messages "
                "WHERE firm_id = ? ORDER BY due_at, id"),
      use(f);
  st.execute();
  RecordSet rs(st);
  std::vector<MessageRow> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) {
    MessageRow m;
    m.id = rs.value(0, row).convert<Poco::Int64>();
    m.firm_id = rs.value(1, row).convert<std::string>();
    m.appointment_id = rs.value(2, row).convert<std::string>();
    m.appointment_version = rs.value(3, row).convert<Poco::Int64>();
    m.rule_id = rs.value(4, row).convert<std::string>();
    m.purpose = rs.value(5, row).convert<std::string>();
    m.channel = rs.value(6, row).convert<std::string>();
    m.contact_key = rs.value(7, row).convert<std::string>();
    m.recipient = rs.value(8, row).convert<std::string>();
    m.sender = rs.value(9, row).convert<std::string>();
    m.subject = rs.value(10, row).convert<std::string>();
    m.body = rs.value(11, row).convert<std::string>();
    m.segments = static_cast<int>(rs.value(12, row).convert<Poco::Int64>());
    m.due = At(rs.value(13, row));
    m.deadline = At(rs.value(14, row));
    m.state = rs.value(15, row).convert<std::string>();
    m.reason = rs.value(16, row).convert<std::string>();
    m.last_error = rs.value(17, row).convert<std::string>();
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<SkipRow> PlanStore::ListSkips(std::string_view firm_id) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Statement st(s);
  st << db_.Sql("SELECT firm_id, appointment_id, appointment_version, rule_id, channel, contact, "
                "kind, reason, created_at FROM skips WHERE firm_id = ? ORDER BY id"),
      use(f);
  st.execute();
  RecordSet rs(st);
  std::vector<SkipRow> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) {
    SkipRow k;
    k.firm_id = rs.value(0, row).convert<std::string>();
    k.appointment_id = rs.value(1, row).convert<std::string>();
    k.appointment_version = rs.value(2, row).convert<Poco::Int64>();
    k.rule_id = rs.value(3, row).convert<std::string>();
    k.channel = rs.value(4, row).convert<std::string>();
    k.contact = rs.value(5, row).convert<std::string>();
    k.kind = rs.value(6, row).convert<std::string>();
    k.reason = rs.value(7, row).convert<std::string>();
    k.created_at = At(rs.value(8, row));
    out.push_back(std::move(k));
  }
  return out;
}

std::pair<int64_t, int64_t> PlanStore::MessageFingerprint(Session& session,
                                                          std::string_view firm_id) {
  std::string f(firm_id);
  const char* sql = "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM messages WHERE firm_id = ?";
  if (db_.dialect() == SqlDialect::kSqlite) {
    SqliteStatement q(session, sql);
    q.Bind(1, f);
    std::pair<int64_t, int64_t> out{0, 0};
    if (q.Step()) out = {q.Int(0), q.Int(1)};
    while (q.Step()) {
    }
    return out;
  }
  Poco::Int64 n = 0, max = 0;
  session << db_.Sql(sql), use(f), into(n), into(max), now;
  return {n, max};
}

namespace {

// A COUNT(*) of the heartbeat's per-firm questions (every firm, every pass), on
// SQLite through a cached prepared statement; nullopt on other dialects.
using CountArg = std::variant<std::string_view, int64_t>;
std::optional<int64_t> SqliteCount(const Database& db, Session& s, const char* sql,
                                   std::initializer_list<CountArg> args) {
  if (db.dialect() != SqlDialect::kSqlite) return std::nullopt;
  SqliteStatement st(s, sql);
  int pos = 1;
  for (const CountArg& a : args) std::visit([&](auto v) { st.Bind(pos++, v); }, a);
  int64_t n = 0;
  if (st.Step()) n = st.Int(0);
  while (st.Step()) {
  }
  return n;
}

}  // namespace

bool PlanStore::HasMessage(std::string_view firm_id, std::string_view appointment_id,
                           std::string_view rule_id) {
  Session s = db_.GetSession();
  const char* sql =
      "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND appointment_id = ? AND rule_id = ?";
  if (auto n = SqliteCount(db_, s, sql, {firm_id, appointment_id, rule_id})) return *n > 0;
  std::string f(firm_id), a(appointment_id), r(rule_id);
  Poco::Int64 n = 0;
  s << db_.Sql(sql), use(f), use(a), use(r), into(n), now;
  return n > 0;
}

int PlanStore::CountMessagesDue(std::string_view firm_id, Instant from, Instant to) {
  Session s = db_.GetSession();
  Poco::Int64 a = from.time_since_epoch().count(), b = to.time_since_epoch().count();
  static const std::string sql =
      "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND due_at >= ? AND due_at < ? "
      "AND state <> " +
      SqlLiteral(MessageState::kCancelled) + " AND purpose NOT IN " +
      SqlList({MessagePurpose::kHeartbeat, MessagePurpose::kAlarm});
  if (auto n = SqliteCount(db_, s, sql.c_str(), {firm_id, int64_t{a}, int64_t{b}}))
    return static_cast<int>(*n);
  std::string f(firm_id);
  Poco::Int64 n = 0;
  s << db_.Sql(sql), use(f), use(a), use(b), into(n), now;
  return static_cast<int>(n);
}

int PlanStore::CountInvalidContacts(std::string_view firm_id, Instant from, Instant to) {
  Session s = db_.GetSession();
  Poco::Int64 a = from.time_since_epoch().count(), b = to.time_since_epoch().count();
  const char* sql =
      "SELECT COUNT(*) FROM skips WHERE firm_id = ? AND created_at >= ? AND "
      "created_at < ? AND kind IN ('landline', 'invalid_number', 'invalid_email')";
  if (auto n = SqliteCount(db_, s, sql, {firm_id, int64_t{a}, int64_t{b}}))
    return static_cast<int>(*n);
  std::string f(firm_id);
  Poco::Int64 n = 0;
  s << db_.Sql(sql), use(f), use(a), use(b), into(n), now;
  return static_cast<int>(n);
}

std::optional<Instant> PlanStore::NextDue(Instant after) {
  Session s = db_.GetSession();
  Poco::Int64 a = after.time_since_epoch().count();
  Poco::Nullable<Poco::Int64> n;
  s << db_.Sql(
      "SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM messages WHERE "
      "state = " +
      SqlLiteral(MessageState::kPlanned) + " AND COALESCE(next_attempt_at, due_at) > ?"),
      use(a), into(n), now;
  if (n.isNull()) return std::nullopt;
  return Instant(std::chrono::seconds(n.value()));
}

}  // namespace kehrbote
