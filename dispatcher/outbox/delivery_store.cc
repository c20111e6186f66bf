#include "dispatcher/outbox/delivery_store.h"

#include <algorithm>
#include <cctype>

#include "dispatcher/message/message_sql.h"
#include "dispatcher/outbox/outbox_row.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/log/logger.h"

namespace kehrbote {

namespace {
int64_t Secs(Instant t) { return t.time_since_epoch().count(); }

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
  db_.InTransaction([&](SqlConnection& c) {
    result = ApplyReceiptIn(c, token, status, answer, smsc_message_id, at);
  });
  return result;
}

ReceiptResult DeliveryStore::ApplyReceiptIn(SqlConnection& c, const std::string& token, int status,
                                            const std::string& answer,
                                            const std::string& smsc_message_id, Instant at) {
  if (token.size() < 16) return ReceiptResult::kUnknownToken;
  ReceiptResult result = ReceiptResult::kUnknownToken;
  const int64_t t = Secs(at);
  [&] {
    int64_t id = 0;
    std::optional<MessageState> from;
    bool has_settle_until = false;
    {
      SqlStatement q(c, "SELECT id, state, settle_until FROM messages WHERE dlr_token = ?");
      q.Bind(1, token);
      if (!q.Step()) return;
      id = q.Int(0);
      if (!q.IsNull(1)) from = ParseMessageState(q.TextView(1));
      has_settle_until = !q.IsNull(2);
    }
    if (!from) {
      result = ReceiptResult::kIgnored;
      return;
    }
    const bool settling = *from == MessageState::kPlanned && has_settle_until;
    if (*from != MessageState::kSending && *from != MessageState::kAccepted && !settling) {
      result = ReceiptResult::kIgnored;
      return;
    }
    Execute(c,
            "INSERT INTO receipts (message_id, status, answer, smsc_message_id, received_at) "
            "VALUES (?, ?, ?, ?, ?)",
            id, static_cast<int64_t>(status), answer, smsc_message_id, t);
    std::optional<MessageState> next = NextState(status, answer, settling);
    if (!next) {
      result = ReceiptResult::kRecorded;
      return;
    }
    if (std::optional<std::string> forbidden =
            CheckTransition(*from, *next, MessageActor::kReceipt)) {
      // A bug in NextState: keep the receipt (recorded above), leave the state.
      Log("delivery").Error("receipt for message " + std::to_string(id) + ": " + *forbidden);
      result = ReceiptResult::kRecorded;
      return;
    }
    const int64_t final_state = IsFinal(*next) ? 1 : 0;
    std::string why = *next == MessageState::kDelivered || *next == MessageState::kAccepted
                          ? ""
                          : "receipt: " + answer;
    if (settling)
      why = "sent before a crash; settled by its delivery receipt, not sent again" +
            (why.empty() ? "" : "; " + why);
    const int64_t changed =
        Execute(c,
                "UPDATE messages SET state = ?, final_at = CASE WHEN ? = 1 THEN ? ELSE final_at "
                "END, updated_at = ?, settle_until = NULL, "
                // Settled after a crash: the dead process never recorded when it was sent.
                "sent_at = CASE WHEN state = " +
                    SqlLiteral(MessageState::kPlanned) +
                    " THEN COALESCE(sent_at, ?) ELSE sent_at END, "
                    "last_error = CASE WHEN ? = '' THEN last_error ELSE ? END, "
                    "gateway_message_id = CASE WHEN COALESCE(gateway_message_id, '') = '' THEN ? "
                    "ELSE gateway_message_id END WHERE id = ? AND " +
                    ReceiptAppliesSql(),
                ToString(*next), final_state, t, t, t, why, why, smsc_message_id, id);
    result = changed > 0 ? ReceiptResult::kApplied : ReceiptResult::kIgnored;
  }();
  return result;
}

std::optional<SentMessage> DeliveryStore::LastSmsTo(const std::string& e164) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, "SELECT " + OutboxRowColumns().SelectList("m") +
                         " FROM messages m WHERE m.contact_key = ? AND m.channel = " +
                         SqlLiteral(ContactChannel::kSms) +
                         " AND m.sent_at IS NOT NULL ORDER BY m.sent_at DESC, m.id DESC LIMIT 1");
  q.Bind(1, e164);
  if (!q.Step()) return std::nullopt;
  const OutboxRow row = ReadOutboxRow(q);
  const OutgoingMessage& m = row.message;
  return SentMessage{m.id,       m.firm_id,   m.appointment_id, row.rule_id,
                     m.sender,   m.recipient, m.body,           std::string(ToString(row.state)),
                     row.sent_at};
}

bool DeliveryStore::AddSuppression(const std::string& firm_id, const std::string& contact_key,
                                   const std::string& reason, Instant at) {
  return Execute(*db_.Connect(),
                 "INSERT INTO suppressions (firm_id, contact_key, reason, created_at) VALUES "
                 "(?, ?, ?, ?) ON CONFLICT (firm_id, contact_key) DO NOTHING",
                 firm_id, contact_key, reason, Secs(at)) > 0;
}

bool DeliveryStore::IsSuppressed(const std::string& firm_id, const std::string& contact_key) {
  return QueryInt(*db_.Connect(),
                  "SELECT COUNT(*) FROM suppressions WHERE firm_id = ? AND contact_key = ?",
                  firm_id, contact_key)
             .value_or(0) > 0;
}

int64_t DeliveryStore::RecordInbound(const std::string& firm_id, const std::string& from,
                                     const std::string& to, const std::string& text,
                                     const std::string& kind, std::optional<int64_t> message_id,
                                     Instant at) {
  int64_t id = 0;
  db_.InTransaction([&](SqlConnection& c) {
    Execute(c,
            "INSERT INTO inbound_messages (firm_id, from_number, to_number, text, kind, "
            "message_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            firm_id, from, to, text, kind, message_id, Secs(at));
    id = QueryInt(c, "SELECT MAX(id) FROM inbound_messages").value_or(0);
  });
  return id;
}

bool DeliveryStore::InsertMessage(const NewMessage& m, Instant at) {
  return InsertMessage(*db_.Connect(), m, at);
}

bool DeliveryStore::InsertMessage(SqlConnection& c, const NewMessage& m, Instant at) {
  const int64_t t = Secs(at);
  return Execute(c,
                 "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                 "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                 "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, " +
                     SqlLiteral(MessageState::kPlanned) +
                     ", 0, ?, ?, ?) "
                     "ON CONFLICT (firm_id, appointment_id, appointment_version, contact_key, "
                     "rule_id) DO NOTHING",
                 m.firm_id, m.appointment_id, m.appointment_version, m.rule_id, ToString(m.purpose),
                 ToString(m.channel), m.contact_key, m.recipient, m.sender, m.subject, m.body, t,
                 Secs(m.deadline), t, t, t) > 0;
}

DeliveryStore::Backlog DeliveryStore::GetBacklog(const std::string& firm_id) {
  Backlog b;
  PooledConnection c = db_.Connect();
  // Each through its partial index (delivery migration 6): only the waiting
  // messages are read, not the firm's history.
  const std::string planned = SqlLiteral(MessageState::kPlanned);
  b.retrying = QueryInt(*c,
                        "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND state = " + planned +
                            " AND attempts > 0",
                        firm_id)
                   .value_or(0);
  b.held = QueryInt(*c,
                    "SELECT COUNT(*) FROM messages WHERE firm_id = ? AND state = " +
                        SqlLiteral(MessageState::kHeld),
                    firm_id)
               .value_or(0);
  if (b.retrying > 0) {
    SqlStatement o(*c,
                   "SELECT due_at, COALESCE(last_error, '') FROM messages WHERE firm_id = ? AND "
                   "state = " +
                       planned + " AND attempts > 0 ORDER BY due_at LIMIT 1");
    o.Bind(1, firm_id);
    if (o.Step()) {
      b.oldest_failure = Instant(std::chrono::seconds(o.Int(0)));
      b.last_error = o.Text(1);
    }
  }
  return b;
}

}  // namespace kehrbote
