#include "dispatcher/plan_store/plan_store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

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

Instant At(const Poco::Dynamic::Var& v) {
  return Instant(std::chrono::seconds(v.isEmpty() ? 0 : v.convert<Poco::Int64>()));
}

}  // namespace

const std::vector<Migration>& PlanningMigrations() {
  static const std::vector<Migration> m = {
      {1, MessagesTable("INTEGER PRIMARY KEY AUTOINCREMENT"), MessagesTable("BIGSERIAL PRIMARY KEY")},
  };
  return m;
}

void PlanStore::Migrate() { db_.Migrate(kPlanningComponent, PlanningMigrations()); }

namespace {

ExistingMessage ReadExisting(RecordSet& rs, size_t row) {
  ExistingMessage e;
  e.id = rs.value(0, row).convert<Poco::Int64>();
  e.appointment_version = rs.value(1, row).convert<Poco::Int64>();
  e.rule_id = rs.value(2, row).convert<std::string>();
  e.purpose = rs.value(3, row).convert<std::string>();
  e.channel = rs.value(4, row).convert<std::string>();
  e.contact_key = rs.value(5, row).convert<std::string>();
  e.recipient = rs.value(6, row).convert<std::string>();
  e.state = rs.value(7, row).convert<std::string>();
  e.deadline = At(rs.value(8, row));
  return e;
}

}  // namespace

std::map<std::string, std::vector<ExistingMessage>> PlanStore::ExistingMessagesOfFirm(
    Session& session, std::string_view firm_id) {
  std::string f(firm_id);
  Statement st(session);
  st << db_.Sql("SELECT id, appointment_version, rule_id, purpose, channel, contact_key, "
                "recipient, state, deadline_at, appointment_id FROM messages WHERE firm_id = ? "
                "AND rule_id NOT IN ('heartbeat', 'alarm') ORDER BY id"),
      use(f);
  st.execute();
  RecordSet rs(st);
  std::map<std::string, std::vector<ExistingMessage>> out;
  for (size_t row = 0; row < rs.rowCount(); ++row)
    out[rs.value(9, row).convert<std::string>()].push_back(ReadExisting(rs, row));
  return out;
}

std::vector<ExistingMessage> PlanStore::ExistingMessages(Session& session,
                                                         std::string_view firm_id,
                                                         std::string_view appointment_id) {
  std::string f(firm_id), a(appointment_id);
  Statement st(session);
  st << db_.Sql("SELECT id, appointment_version, rule_id, purpose, channel, contact_key, "
                "recipient, state, deadline_at FROM messages WHERE firm_id = ? AND "
                "appointment_id = ? ORDER BY id"),
      use(f), use(a);
  st.execute();
  RecordSet rs(st);
  std::vector<ExistingMessage> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) out.push_back(ReadExisting(rs, row));
  return out;
}

bool PlanStore::InsertMessage(Session& session, const PlannedMessage& m, Instant now) {
  std::string firm = m.firm_id, appt = m.appointment_id, rule = m.rule_id, purpose = m.purpose,
              channel(ToString(m.channel)), key = m.contact_key, recipient = m.recipient,
              sender = m.sender, subject = m.subject, body = m.body, reason = m.reason;
  Poco::Int64 version = m.appointment_version, segments = m.segments,
              due = m.due.time_since_epoch().count(),
              deadline = m.deadline.time_since_epoch().count(),
              created = now.time_since_epoch().count();
  Statement st(session);
  st << db_.Sql("INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at, "
                "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?, ?, ?) "
                "ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, rule_id) "
                "DO NOTHING"),
      use(firm), use(appt), use(version), use(rule), use(purpose), use(channel), use(key),
      use(recipient), use(sender), use(subject), use(body), use(segments), use(due), use(deadline),
      use(due), use(created), use(created), use(reason);
  return st.execute() > 0;
}

PlanWriteResult PlanStore::Write(Session& session, const AppointmentPlan& plan, Instant now) {
  PlanWriteResult r;
  const Poco::Int64 at = now.time_since_epoch().count();
  for (int64_t id : plan.cancel) {
    Poco::Int64 i = id;
    std::string why = plan.cancel_reason;
    Statement st(session);
    st << db_.Sql("UPDATE messages SET state = 'cancelled', last_error = ?, updated_at = ?, "
                  "final_at = ? WHERE id = ? AND state IN ('planned', 'held')"),
        use(why), bind(at), bind(at), use(i);
    r.cancelled += static_cast<int>(st.execute());
  }
  for (const PlannedMessage& m : plan.messages)
    if (InsertMessage(session, m, now)) ++r.planned;
  for (const PlannedSkip& s : plan.skips) {
    std::string firm = s.firm_id, appt = s.appointment_id, rule = s.rule_id,
                channel(ToString(s.channel)), contact = s.contact, kind(ToString(s.kind)),
                reason = s.reason;
    Poco::Int64 version = s.appointment_version;
    Statement st(session);
    st << db_.Sql("INSERT INTO skips (firm_id, appointment_id, appointment_version, rule_id, "
                  "channel, contact, kind, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (firm_id, appointment_id, appointment_version, rule_id, contact, "
                  "kind) DO NOTHING"),
        use(firm), use(appt), use(version), use(rule), use(channel), use(contact), use(kind),
        use(reason), bind(at);
    r.skipped += static_cast<int>(st.execute());
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

int PlanStore::CountMessagesDue(std::string_view firm_id, Instant from, Instant to) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Poco::Int64 a = from.time_since_epoch().count(), b = to.time_since_epoch().count();
  Poco::Int64 n = 0;
  s << db_.Sql("SELECT COUNT(*) FROM messages WHERE firm_id = ? AND due_at >= ? AND due_at < ? "
               "AND state <> 'cancelled' AND purpose NOT IN ('heartbeat', 'alarm')"),
      use(f), use(a), use(b), into(n), now;
  return static_cast<int>(n);
}

int PlanStore::CountInvalidContacts(std::string_view firm_id, Instant from, Instant to) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Poco::Int64 a = from.time_since_epoch().count(), b = to.time_since_epoch().count();
  Poco::Int64 n = 0;
  s << db_.Sql("SELECT COUNT(*) FROM skips WHERE firm_id = ? AND created_at >= ? AND "
               "created_at < ? AND kind IN ('landline', 'invalid_number', 'invalid_email')"),
      use(f), use(a), use(b), into(n), now;
  return static_cast<int>(n);
}

std::optional<Instant> PlanStore::NextDue(Instant after) {
  Session s = db_.GetSession();
  Poco::Int64 a = after.time_since_epoch().count();
  Poco::Nullable<Poco::Int64> n;
  s << db_.Sql("SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM messages WHERE "
               "state = 'planned' AND COALESCE(next_attempt_at, due_at) > ?"),
      use(a), into(n), now;
  if (n.isNull()) return std::nullopt;
  return Instant(std::chrono::seconds(n.value()));
}

}  // namespace kehrbote
