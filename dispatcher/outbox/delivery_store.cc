#include "dispatcher/outbox/delivery_store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <algorithm>
#include <cctype>

#include "dispatcher/message/message_sql.h"
#include "shared/log/logger.h"

namespace kehrbote {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {
Poco::Int64 Secs(Instant t) { return t.time_since_epoch().count(); }

bool SaysExpired(std::string answer) {
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return answer.find("EXPIRED") != std::string::npos || answer.find("EXPIRD") != std::string::npos;
}
}  // namespace

std::string_view ToString(ReceiptResult r) {
  switch (r) {
    case ReceiptResult::kApplied: return "applied";
    case ReceiptResult::kRecorded: return "recorded";
    case ReceiptResult::kIgnored: return "ignored";
    case ReceiptResult::kUnknownToken: return "unknown-token";
  }
  return "?";
}

namespace {
// The state a receipt moves a message to; nullopt = none (intermediate status).
// `settling`: the message waits for a receipt after a crash, and any receipt
// proves the gateway took it.
std::optional<MessageState> NextState(int status, const std::string& answer, bool settling) {
  if (status & kDlrDelivered) return MessageState::kDelivered;
  if (status & (kDlrFailed | kDlrSmscReject))
    return SaysExpired(answer) ? MessageState::kExpired : MessageState::kFailed;
  if (settling) return MessageState::kAccepted;
  return std::nullopt;
}

// The states a receipt may apply to (the UPDATE's WHERE; ApplyReceipt checks
// the same in C++ first).
const std::string& ReceiptAppliesSql() {
  static const std::string sql =
      "(state IN " + SqlList({MessageState::kSending, MessageState::kAccepted}) +
      " OR (state = " + SqlLiteral(MessageState::kPlanned) + " AND settle_until IS NOT NULL))";
  return sql;
}
}  // namespace

ReceiptResult DeliveryStore::ApplyReceipt(const std::string& token, int status,
                                          const std::string& answer,
                                          const std::string& smsc_message_id, Instant at) {
  if (token.size() < 16) return ReceiptResult::kUnknownToken;
  ReceiptResult result = ReceiptResult::kUnknownToken;
  const Poco::Int64 t = Secs(at);
  db_.InTransaction([&](Session& s) {
    Poco::Nullable<Poco::Int64> id, settle_until;
    Poco::Nullable<std::string> state;
    Statement q(s);
    q << db_.Sql("SELECT id, state, settle_until FROM messages WHERE dlr_token = ?"), bind(token),
        into(id), into(state), into(settle_until);
    q.execute();
    if (id.isNull()) return;
    if (state.isNull()) {
      result = ReceiptResult::kIgnored;
      return;
    }
    const MessageState from = ParseMessageState(state.value());
    const bool settling = from == MessageState::kPlanned && !settle_until.isNull();
    if (from != MessageState::kSending && from != MessageState::kAccepted && !settling) {
      result = ReceiptResult::kIgnored;
      return;
    }
    Statement r(s);
    r << db_.Sql("INSERT INTO receipts (message_id, status, answer, smsc_message_id, received_at) "
                 "VALUES (?, ?, ?, ?, ?)"),
        bind(id.value()), bind(Poco::Int64(status)), bind(answer), bind(smsc_message_id), bind(t);
    r.execute();
    std::optional<MessageState> next = NextState(status, answer, settling);
    if (!next) {
      result = ReceiptResult::kRecorded;
      return;
    }
    if (std::optional<std::string> forbidden =
            CheckTransition(from, *next, MessageActor::kReceipt)) {
      // A bug in NextState: keep the receipt (recorded above), leave the state.
      Log("delivery")
          .Error("receipt for message " + std::to_string(id.value()) + ": " + *forbidden);
      result = ReceiptResult::kRecorded;
      return;
    }
    const bool final_state = IsFinal(*next);
    std::string why = *next == MessageState::kDelivered || *next == MessageState::kAccepted
                          ? ""
                          : "receipt: " + answer;
    if (settling)
      why = "sent before a crash; settled by its delivery receipt, not sent again" +
            (why.empty() ? "" : "; " + why);
    Statement u(s);
    u << db_.Sql(
        "UPDATE messages SET state = ?, final_at = CASE WHEN ? = 1 THEN ? ELSE final_at "
        "END, updated_at = ?, settle_until = NULL, "
        // Settled after a crash: the dead process never recorded when it was sent.
        "sent_at = CASE WHEN state = " +
        SqlLiteral(MessageState::kPlanned) +
        " THEN COALESCE(sent_at, ?) ELSE sent_at END, "
        "last_error = CASE WHEN ? = '' THEN last_error ELSE ? END, "
        "gateway_message_id = CASE WHEN COALESCE(gateway_message_id, '') = '' THEN ? "
        "ELSE gateway_message_id END WHERE id = ? AND " +
        ReceiptAppliesSql()),
        bind(std::string(ToString(*next))), bind(Poco::Int64(final_state ? 1 : 0)), bind(t),
        bind(t), bind(t), bind(why), bind(why), bind(smsc_message_id), bind(id.value());
    result = u.execute() > 0 ? ReceiptResult::kApplied : ReceiptResult::kIgnored;
  });
  return result;
}

std::optional<SentMessage> DeliveryStore::LastSmsTo(const std::string& e164) {
  Session s = db_.GetSession();
  Statement q(s);
  q << db_.Sql(
      "SELECT id, firm_id, appointment_id, rule_id, sender, recipient, body, state, "
      "sent_at FROM messages WHERE contact_key = ? AND channel = " +
      SqlLiteral(ContactChannel::kSms) +
      " AND sent_at IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT 1"),
      bind(e164);
  q.execute();
  RecordSet rs(q);
  if (rs.rowCount() == 0) return std::nullopt;
  SentMessage m;
  m.id = rs.value(0, 0).convert<Poco::Int64>();
  m.firm_id = rs.value(1, 0).convert<std::string>();
  m.appointment_id = rs.value(2, 0).convert<std::string>();
  m.rule_id = rs.value(3, 0).convert<std::string>();
  m.sender = rs.value(4, 0).convert<std::string>();
  m.recipient = rs.value(5, 0).convert<std::string>();
  m.body = rs.value(6, 0).convert<std::string>();
  m.state = rs.value(7, 0).convert<std::string>();
  m.sent_at = Instant(std::chrono::seconds(rs.value(8, 0).convert<Poco::Int64>()));
  return m;
}

bool DeliveryStore::AddSuppression(const std::string& firm_id, const std::string& contact_key,
                                   const std::string& reason, Instant at) {
  Session s = db_.GetSession();
  Statement st(s);
  st << db_.Sql("INSERT INTO suppressions (firm_id, contact_key, reason, created_at) VALUES "
                "(?, ?, ?, ?) ON CONFLICT (firm_id, contact_key) DO NOTHING"),
      bind(firm_id), bind(contact_key), bind(reason), bind(Secs(at));
  return st.execute() > 0;
}

bool DeliveryStore::IsSuppressed(const std::string& firm_id, const std::string& contact_key) {
  Session s = db_.GetSession();
  int n = 0;
  s << db_.Sql("SELECT COUNT(*) FROM suppressions WHERE firm_id = ? AND contact_key = ?"),
      bind(firm_id), bind(contact_key), into(n), now;
  return n > 0;
}

int64_t DeliveryStore::RecordInbound(const std::string& firm_id, const std::string& from,
                                     const std::string& to, const std::string& text,
                                     const std::string& kind, std::optional<int64_t> message_id,
                                     Instant at) {
  int64_t id = 0;
  db_.InTransaction([&](Session& s) {
    Poco::Nullable<Poco::Int64> mid;
    if (message_id) mid = *message_id;
    Statement st(s);
    st << db_.Sql("INSERT INTO inbound_messages (firm_id, from_number, to_number, text, kind, "
                  "message_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        bind(firm_id), bind(from), bind(to), bind(text), bind(kind), bind(mid), bind(Secs(at));
    st.execute();
    Poco::Int64 last = 0;
    s << "SELECT MAX(id) FROM inbound_messages", into(last), now;
    id = last;
  });
  return id;
}

bool DeliveryStore::InsertMessage(const NewMessage& m, Instant at) {
  Session s = db_.GetSession();
  Statement st(s);
  const Poco::Int64 t = Secs(at);
  st << db_.Sql(
      "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
      "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
      "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, " +
      SqlLiteral(MessageState::kPlanned) +
      ", 0, ?, ?, ?) "
      "ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, rule_id) "
      "DO NOTHING"),
      bind(m.firm_id), bind(m.appointment_id), bind(Poco::Int64(m.appointment_version)),
      bind(m.rule_id), bind(std::string(ToString(m.purpose))),
      bind(std::string(ToString(m.channel))), bind(m.contact_key), bind(m.recipient),
      bind(m.sender), bind(m.subject), bind(m.body), bind(t), bind(Secs(m.deadline)), bind(t),
      bind(t), bind(t);
  return st.execute() > 0;
}

DeliveryStore::Backlog DeliveryStore::GetBacklog(const std::string& firm_id) {
  Backlog b;
  Session s = db_.GetSession();
  // Each through its partial index (delivery migration 6): only the waiting
  // messages are read, not the firm's history.
  Poco::Int64 retrying = 0, held = 0;
  const std::string planned = SqlLiteral(MessageState::kPlanned);
  s << db_.Sql("SELECT COUNT(*) FROM messages WHERE firm_id = ? AND state = " + planned +
               " AND attempts > 0"),
      bind(firm_id), into(retrying), now;
  s << db_.Sql("SELECT COUNT(*) FROM messages WHERE firm_id = ? AND state = " +
               SqlLiteral(MessageState::kHeld)),
      bind(firm_id), into(held), now;
  b.retrying = retrying;
  b.held = held;
  if (b.retrying > 0) {
    Statement o(s);
    o << db_.Sql(
        "SELECT due_at, COALESCE(last_error, '') FROM messages WHERE firm_id = ? AND "
        "state = " +
        planned + " AND attempts > 0 ORDER BY due_at LIMIT 1"),
        bind(firm_id);
    o.execute();
    RecordSet r2(o);
    if (r2.rowCount() > 0) {
      b.oldest_failure = Instant(std::chrono::seconds(r2.value(0, 0).convert<Poco::Int64>()));
      b.last_error = r2.value(1, 0).convert<std::string>();
    }
  }
  return b;
}

}  // namespace kehrbote
