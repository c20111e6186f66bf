#include "dispatcher/outbox/outbox.h"

#include <Poco/Environment.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <sstream>

#include "dispatcher/message/message_sql.h"
#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox_row.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/env/env.h"
#include "shared/log/logger.h"
#include "shared/log/personal_data.h"
#include "shared/phone/phone_number.h"
#include "shared/sms/segmented_text.h"
#include "shared/text/hex.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

namespace {

int64_t Secs(Instant t) { return t.time_since_epoch().count(); }
Instant At(int64_t s) { return Instant(std::chrono::seconds(s)); }

// Runs `u` once per id of `ids`, with `values` bound first and the id last.
// Why per id and not one "id IN (...)": the text stays the same, so the
// statement is prepared once per connection; in a batch (PostgreSQL) all rows
// go in one round trip.
template <typename... Values>
void RunForEach(SqlStatement& u, const std::vector<int64_t>& ids, const Values&... values) {
  for (int64_t id : ids) u.BindAll(values..., id).Run();
}

std::string MaskContact(const std::string& contact) {
  if (contact.find('@') != std::string::npos) return MaskEmail(contact);
  return MaskPhoneNumber(contact);
}

}  // namespace

std::string NewDlrToken(int64_t message_id) {
  unsigned char bytes[16];
  try {
    Env::Default().RandomBytes(bytes, sizeof bytes);  // the OS's CSPRNG
  } catch (const EnvError&) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  char id[8];  // big-endian, so that the hex digits sort like the ids
  for (int i = 0; i < 8; ++i)
    id[i] = static_cast<char>(static_cast<uint64_t>(message_id) >> (56 - 8 * i));
  return HexEncode(std::string_view(id, sizeof id)) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// A message as the claim reads it; `attempts` includes the one about to be made.
struct Outbox::Row : OutboxRow {};

Outbox::Outbox(Database& db, Clock& clock, std::map<std::string, MessageChannel*> channels,
               OutboxOptions options)
    : db_(db), clock_(clock), channels_(std::move(channels)), options_(std::move(options)) {
  if (options_.instance.empty()) {
    try {
      options_.instance = Poco::Environment::nodeName();
    } catch (...) {
      options_.instance = "dispatcher";
    }
  }
  std::random_device rd;
  rng_state_ = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ Env::Default().ProcessId();
}

void Outbox::Migrate() { db_.Migrate(kDeliveryComponent, DeliveryMigrations()); }

std::chrono::seconds Outbox::Backoff(int attempts) {
  // base * 2^(attempts-1), capped, then +-jitter.
  double s = static_cast<double>(options_.backoff_base.count());
  for (int i = 1; i < attempts && s < options_.backoff_max.count(); ++i) s *= 2;
  s = std::min(s, static_cast<double>(options_.backoff_max.count()));
  rng_state_ ^= rng_state_ << 13;
  rng_state_ ^= rng_state_ >> 7;
  rng_state_ ^= rng_state_ << 17;
  double unit = static_cast<double>(rng_state_ % 1000000) / 1000000.0;  // [0,1)
  s *= 1.0 + options_.jitter * (2 * unit - 1);
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(s)));
}

RecoveryCounts Outbox::RecoverInterrupted(Instant at) {
  RecoveryCounts counts;
  const int64_t t = Secs(at);
  const std::string mine = options_.instance + "/%";
  Transact([&](SqlConnection& c) {
    SqlStatement q(c,
                   "SELECT m.id, COALESCE(m.claim_id, ''), m.deadline_at, m.recipient, m.channel, "
                   "m.claim_window, (SELECT COUNT(*) FROM receipts r WHERE r.message_id = m.id) "
                   "FROM messages m WHERE m.state = " +
                       SqlLiteral(MessageState::kSending) +
                       " AND (m.claim_id LIKE ? OR "
                       "COALESCE(m.lease_until, 0) < ?) ORDER BY m.id");
    q.BindAll(mine, t);
    // Rows come in id order: the first claim_window rows of each claim were
    // possibly in flight (see the header). All are read before the first is
    // settled (one statement at a time on the connection).
    std::vector<Interrupted> rows;
    std::map<std::string, int64_t> seen;  // claim id -> rows so far
    while (q.Step()) {
      Interrupted row;
      row.id = q.Int(0);
      row.maybe_sent = seen[q.Text(1)]++ < std::max<int64_t>(1, q.Int(5));
      row.deadline = q.Int(2);
      row.recipient = q.Text(3);
      row.channel = q.Text(4);
      row.has_receipt = q.Int(6) > 0;
      rows.push_back(std::move(row));
    }
    for (const Interrupted& row : rows) Settle(c, row, t, counts);
  });
  return counts;
}

namespace {
// Sets the flag (bound: 1 = possibly in flight now) but never clears it: a row
// sent before an earlier crash and claimed again, still unsent at this one, is
// a possible duplicate all the same.
const std::string kKeepFlag = "CASE WHEN ? = 1 THEN 1 ELSE possible_duplicate END";
}  // namespace

void Outbox::Settle(SqlConnection& c, const Interrupted& row, int64_t t, RecoveryCounts& counts) {
  const std::string who = "message " + std::to_string(row.id) + " to " +
                          MaskContact(row.recipient) + " (" + row.channel + ")";
  // Every statement below moves a row still in 'sending' (the WHERE), checked
  // against the transition table.
  const std::string from_sending =
      " WHERE id = ? AND state = " + SqlLiteral(MessageState::kSending);
  auto to = [&](MessageState state) {
    return SqlMoveTo({MessageState::kSending}, state, MessageActor::kRecovery,
                     "crash recovery of message " + std::to_string(row.id));
  };
  const int64_t maybe_sent = row.maybe_sent ? 1 : 0;
  if (row.has_receipt) {
    // A receipt (buffered, SMSC ack) came before the crash: the gateway has it.
    Execute(c,
            "UPDATE messages SET state = " + to(MessageState::kAccepted) +
                ", sent_at = COALESCE(sent_at, ?), claim_id = NULL, lease_until = NULL, "
                "updated_at = ?, last_error = ?" +
                from_sending,
            t, t, "interrupted after the gateway took it (receipt); not sent again", row.id);
    ++counts.settled;
  } else if (row.deadline != 0 && row.deadline <= t) {
    Execute(c,
            "UPDATE messages SET state = " + to(MessageState::kExpired) +
                ", last_error = ?, final_at = ?, updated_at = ?, possible_duplicate = " +
                kKeepFlag + from_sending,
            "interrupted while sending; deadline passed", t, t, maybe_sent, row.id);
    ++counts.expired;
  } else if (row.maybe_sent && row.channel == ToString(ContactChannel::kSms) &&
             options_.settle_wait.count() > 0) {
    // Its receipt decides (ApplyReceipt); the claim sends it only if none came.
    const int64_t until = t + options_.settle_wait.count();
    Execute(c,
            "UPDATE messages SET state = " + to(MessageState::kPlanned) +
                ", next_attempt_at = ?, settle_until = ?, claim_id = NULL, lease_until = NULL, "
                "updated_at = ?, last_error = ?" +
                from_sending,
            until, until, t,
            "interrupted while the request may have been in flight; waiting " +
                std::to_string(options_.settle_wait.count()) +
                " s for its delivery receipt before sending again",
            row.id);
    ++counts.awaiting_receipt;
    Log("outbox").Warning(who + " was possibly sent before a crash; waiting " +
                          std::to_string(options_.settle_wait.count()) +
                          " s for its delivery receipt");
  } else {
    Execute(c,
            "UPDATE messages SET state = " + to(MessageState::kPlanned) +
                ", next_attempt_at = ?, claim_id = NULL, lease_until = NULL, updated_at = ?, "
                "possible_duplicate = " +
                kKeepFlag + ", last_error = ?" + from_sending,
            t, t, maybe_sent,
            row.maybe_sent ? "interrupted while the request may have been in "
                             "flight; re-sent (possible duplicate)"
                           : "interrupted before the request; re-sent",
            row.id);
    ++counts.resent;
    if (row.maybe_sent) {
      ++counts.possible_duplicates;
      Log("outbox").Warning(who +
                            " was possibly sent before a crash; sending again: possible "
                            "duplicate");
    }
  }
}

namespace {
// The pass's hot statements, built once from the enums (the moves checked then).
// The claim's SELECT: the message, then whether its contact is suppressed and
// its settle_until.
const int kSuppressedColumn = OutboxRowColumns().size();
const int kSettleUntilColumn = kSuppressedColumn + 1;
const std::string& ClaimSelectSql() {
  static const std::string sql =
      "SELECT " + OutboxRowColumns().SelectList("m") +
      ", (SELECT COUNT(*) FROM suppressions su "
      "WHERE su.firm_id = m.firm_id AND su.contact_key = m.contact_key), "
      "COALESCE(m.settle_until, 0) FROM messages m "
      "WHERE m.state = " +
      SqlLiteral(MessageState::kPlanned) +
      " AND COALESCE(m.next_attempt_at, m.due_at) <= ? "
      "ORDER BY COALESCE(m.next_attempt_at, m.due_at), m.id LIMIT ?";
  return sql;
}
// Moves rows the claim selected ('planned', locked by the transaction).
const std::string& ClaimUpdateSql() {
  static const std::string sql =
      "UPDATE messages SET state = " +
      SqlMoveTo({MessageState::kPlanned}, MessageState::kSending, MessageActor::kOutbox,
                "claiming due messages") +
      ", claim_id = ?, lease_until = ?, claim_window = ?, "
      "attempts = attempts + 1, dlr_token = ?, updated_at = ?, "
      // Waited for a receipt after a crash and none came: sent again, flagged.
      "possible_duplicate = CASE WHEN settle_until IS NULL THEN possible_duplicate ELSE 1 END, "
      "settle_until = NULL WHERE id = ?";
  return sql;
}
// A receipt may have come first (fast gateways): only move forward.
const std::string& RecordAcceptedSql() {
  static const std::string sql =
      "UPDATE messages SET state = CASE WHEN state = " + SqlLiteral(MessageState::kSending) +
      " THEN " +
      SqlMoveTo({MessageState::kSending}, MessageState::kAccepted, MessageActor::kOutbox,
                "recording accepted messages") +
      " ELSE state END, "
      "gateway_message_id = ?, segments = ?, sent_at = ?, updated_at = ?, last_error = NULL, "
      "lease_until = NULL WHERE id = ?";
  return sql;
}
}  // namespace

void Outbox::Transact(const std::function<void(SqlConnection&)>& fn) {
  // The pass's statements are prepared once per connection (its cache), and
  // the pool hands this thread the connection it returned last. In a batch
  // (PostgreSQL: pipeline mode) the writes of the transaction go out together:
  // a statement that reads (the claim's SELECT) waits for them, the COMMIT
  // for the rest; so a group of outcomes and a claim cost a few round trips,
  // not one per row.
  db_.InTransaction([&](SqlConnection& c) {
    SqlBatch batch(c);
    fn(c);
    batch.Finish();
  });
}

namespace {
// Rows a claim selected and settles without sending: 'planned' -> `to` (final).
void SettleUnclaimed(SqlConnection& c, const std::vector<int64_t>& ids, MessageState to,
                     std::string_view context, const char* why, int64_t t) {
  if (ids.empty()) return;
  SqlStatement u(c, "UPDATE messages SET state = " +
                        SqlMoveTo({MessageState::kPlanned}, to, MessageActor::kOutbox, context) +
                        ", last_error = ?, final_at = ?, updated_at = ? WHERE id = ?");
  RunForEach(u, ids, why, t, t);
}
}  // namespace

// Claims within `c`'s transaction (the caller commits): rows set 'sending',
// expired and suppressed rows settled. Counts go to `out` only, so a failed
// transaction leaves the caller's counts alone.
void Outbox::ClaimIn(SqlConnection& c, Instant at, Claimed& out) {
  const std::size_t wanted = out.wanted;
  out = Claimed{};
  out.wanted = wanted;
  std::vector<Row>& rows = out.rows;
  std::vector<int64_t> expired, suppressed;
  const int64_t t = Secs(at);
  const std::string claim_id = options_.instance + "/" +
                               std::to_string(Env::Default().ProcessId()) + "-" +
                               std::to_string(t) + "-" + std::to_string(++claim_seq_);
  const int64_t lease = t + options_.lease.count();
  const int64_t window = static_cast<int64_t>(std::max<std::size_t>(1, options_.send_window));
  SqlStatement q(c, ClaimSelectSql() + std::string(c.Text(SqlVariant::kClaimRowsOfM)));
  q.BindAll(t, static_cast<int64_t>(wanted));
  while (q.Step()) {
    ++out.selected;
    Row row{ReadOutboxRow(q)};
    ++row.attempts;  // this one
    const OutgoingMessage& m = row.message;
    // Settled without sending.
    if (m.deadline != Instant{} && m.deadline <= at) {
      expired.push_back(m.id);
      continue;
    }
    if (q.Int(kSuppressedColumn) > 0 && m.purpose != ToString(MessagePurpose::kConfirmation)) {
      suppressed.push_back(m.id);
      continue;
    }
    if (m.dlr_token.empty()) row.message.dlr_token = NewDlrToken(m.id);
    if (q.Int(kSettleUntilColumn) != 0)
      Log("outbox").ForFirm(m.firm_id).Warning(
          "message " + std::to_string(m.id) + " to " + MaskContact(m.recipient) + " (" + m.channel +
          ") was possibly sent before a crash and no delivery receipt came; "
          "sending again: possible duplicate");
    rows.push_back(std::move(row));
  }
  // Oldest due first into the claim, then sent in id order (the recovery rule).
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.message.id < b.message.id; });
  SettleUnclaimed(c, expired, MessageState::kExpired, "claiming messages past their deadline",
                  "deadline passed before it could be sent", t);
  SettleUnclaimed(c, suppressed, MessageState::kCancelled,
                  "claiming messages to suppressed contacts",
                  "suppressed: the contact asked for no more messages (STOP)", t);
  if (!rows.empty()) {
    SqlStatement u(c, ClaimUpdateSql());
    u.Bind(1, claim_id).Bind(2, lease).Bind(3, window).Bind(5, t);
    for (const Row& row : rows) u.Bind(4, row.message.dlr_token).Bind(6, row.message.id).Run();
  }
  out.expired = static_cast<int>(expired.size());
  out.suppressed = static_cast<int>(suppressed.size());
}

void Outbox::Count(const Claimed& c, SendCounts& counts) {
  counts.expired += c.expired;
  counts.suppressed += c.suppressed;
  counts.claimed += static_cast<int>(c.rows.size());
}

// SMS of this process whose request is open or whose outcome is not yet
// committed: the store does not count them yet, the quota must.
struct Outbox::OpenSms {
  struct Count {
    int64_t sms = 0, segments = 0;
  };
  std::map<std::string, Count> by_firm;
  void Add(const std::string& firm, int segments, int sign) {
    Count& c = by_firm[firm];
    c.sms += sign;
    c.segments += sign * segments;
  }
};

namespace {
int SegmentsOf(const std::string& body) {
  try {
    return static_cast<int>(SegmentedText(body, SmsPolicy::kAllowUcs2).segment_count());
  } catch (const std::exception&) {
    return 1;  // malformed text: the channel refuses it with the reason
  }
}
}  // namespace

std::pair<int64_t, int64_t> Outbox::UsedThisMonth(SqlConnection& c, const std::string& firm_id,
                                                  Instant at, int64_t exclude_id) {
  // The firm's month, in its zone.
  MonthSpan month =
      LocalMonthOf(at, options_.zone ? options_.zone(firm_id) : std::string("Europe/Vienna"));
  SqlStatement q(c,
                 "SELECT COUNT(*), COALESCE(SUM(segments), 0) FROM messages WHERE firm_id = ? AND "
                 "channel = " +
                     SqlLiteral(ContactChannel::kSms) +
                     " AND sent_at >= ? AND sent_at < ? AND id <> ?");
  q.BindAll(firm_id, Secs(month.from), Secs(month.to), exclude_id);
  std::pair<int64_t, int64_t> used{0, 0};
  if (q.Step()) used = {q.Int(0), q.Int(1)};
  return used;
}

void Outbox::SortHeld(Instant at, std::vector<int64_t>& release, std::vector<int64_t>& expire) {
  const int64_t t = Secs(at);
  struct Held {
    int64_t id = 0, deadline = 0;
    std::string firm, body;
  };
  std::vector<Held> rows;
  PooledConnection c = db_.Connect();
  {
    SqlStatement q(*c, "SELECT id, firm_id, body, deadline_at FROM messages WHERE state = " +
                           SqlLiteral(MessageState::kHeld) + " ORDER BY id");
    while (q.Step()) rows.push_back({q.Int(0), q.Int(3), q.Text(1), q.Text(2)});
  }
  // Room left per firm this month; a firm without a limit (any more) takes all.
  std::map<std::string, std::pair<int64_t, int64_t>> room;
  for (const Held& h : rows) {
    if (h.deadline != 0 && h.deadline <= t) {
      expire.push_back(h.id);
      continue;
    }
    SmsQuota quota = options_.quota ? options_.quota(h.firm) : SmsQuota{};
    constexpr int64_t kUnlimited = INT64_MAX / 4;
    if (!room.count(h.firm)) {
      auto [sent, segments] = UsedThisMonth(*c, h.firm, at, 0);
      room[h.firm] = {
          quota.sms_per_month > 0 ? quota.sms_per_month - sent : kUnlimited,
          quota.segments_per_month > 0 ? quota.segments_per_month - segments : kUnlimited};
    }
    auto& [sms_left, segments_left] = room[h.firm];
    int need = SegmentsOf(h.body);
    if (sms_left < 1 || segments_left < need) continue;  // still over: stays held, no new alert
    sms_left -= 1;
    segments_left -= need;
    release.push_back(h.id);
  }
}

int Outbox::ReleaseHeld(Instant at) {
  const int64_t t = Secs(at);
  const std::string held = SqlLiteral(MessageState::kHeld);
  std::vector<int64_t> release, expire;
  SortHeld(at, release, expire);
  if (release.empty() && expire.empty()) return 0;
  Transact([&](SqlConnection& tx) {
    if (!release.empty()) {
      SqlStatement u(
          tx, "UPDATE messages SET state = " +
                  SqlMoveTo({MessageState::kHeld}, MessageState::kPlanned, MessageActor::kOutbox,
                            "releasing held messages") +
                  ", next_attempt_at = ?, last_error = ?, updated_at = ? WHERE state = " + held +
                  " AND id = ?");
      RunForEach(u, release, t, "released: the SMS quota has room again", t);
    }
    if (!expire.empty()) {
      SqlStatement u(tx, "UPDATE messages SET state = " +
                             SqlMoveTo({MessageState::kHeld}, MessageState::kExpired,
                                       MessageActor::kOutbox, "expiring held messages") +
                             ", last_error = ?, final_at = ?, updated_at = ? WHERE state = " +
                             held + " AND id = ?");
      RunForEach(u, expire, "held (SMS quota of the month reached) until the appointment began", t,
                 t);
    }
  });
  return static_cast<int>(release.size());
}

bool Outbox::ApplyQuota(Row& row, Instant at, const OpenSms& open, SendCounts& counts,
                        int* counted) {
  *counted = 0;
  if (row.message.channel != ToString(ContactChannel::kSms) || !options_.quota) return true;
  SmsQuota quota = options_.quota(row.message.firm_id);
  if (quota.sms_per_month <= 0 && quota.segments_per_month <= 0) return true;
  std::optional<PooledConnection> c(db_.Connect());  // returned before the transaction
  auto [sent, segments] = UsedThisMonth(**c, row.message.firm_id, at, row.message.id);
  if (auto it = open.by_firm.find(row.message.firm_id); it != open.by_firm.end()) {
    sent += it->second.sms;
    segments += it->second.segments;
  }
  int need = SegmentsOf(row.message.body);
  bool over = (quota.sms_per_month > 0 && sent + 1 > quota.sms_per_month) ||
              (quota.segments_per_month > 0 && segments + need > quota.segments_per_month);
  if (!over) {
    *counted = need;
    return true;
  }

  // E-mail if the contact has one: an e-mail message planned for the same appointment.
  std::string email;
  if (!row.message.appointment_id.empty()) {
    email = QueryText(**c,
                      "SELECT recipient FROM messages WHERE firm_id = ? AND appointment_id = ? AND "
                      "channel = " +
                          SqlLiteral(ContactChannel::kEmail) + " ORDER BY id DESC LIMIT 1",
                      row.message.firm_id, row.message.appointment_id)
                .value_or("");
  }
  const std::string why = "SMS quota of the month reached (" + std::to_string(sent) + " SMS, " +
                          std::to_string(segments) + " parts)";
  c.reset();
  HoldOrReroute(row, at, why, email);
  if (email.empty()) {
    ++counts.held;
  } else {
    ++counts.rerouted;
  }
  return false;
}

void Outbox::HoldOrReroute(const Row& row, Instant at, const std::string& why,
                           const std::string& email) {
  const int64_t t = Secs(at);
  const int64_t id = row.message.id;
  const std::string alert = "SMS-Kontingent des Monats erreicht: Nachricht an " +
                            MaskContact(row.message.recipient) +
                            (email.empty() ? " zurückgehalten" : " per E-Mail gesendet");
  Transact([&](SqlConnection& tx) {
    if (!email.empty()) {
      DeliveryStore::NewMessage m;
      m.firm_id = row.message.firm_id;
      m.appointment_id = row.message.appointment_id;
      m.appointment_version = row.appointment_version;
      m.rule_id = row.rule_id + "+quota";
      m.purpose = ParseMessagePurpose(row.message.purpose);
      m.channel = ContactChannel::kEmail;
      m.contact_key = m.recipient = email;
      m.sender = row.message.sender;
      m.subject = "Erinnerung an Ihren Termin";
      m.body = row.message.body;
      m.deadline = row.message.deadline;
      DeliveryStore::InsertMessage(tx, m, at);
    }
    // Sent by e-mail instead, the SMS is done ('cancelled' with the reason): held,
    // it went out as well once the quota had room, and the customer got both.
    if (email.empty()) {
      Execute(tx,
              "UPDATE messages SET state = " +
                  SqlMoveTo({MessageState::kSending}, MessageState::kHeld, MessageActor::kOutbox,
                            "holding message " + std::to_string(id) + " (SMS quota)") +
                  ", last_error = ?, claim_id = NULL, lease_until = NULL, "
                  "attempts = attempts - 1, updated_at = ? WHERE id = ?",
              why + "; held", t, id);
    } else {
      Execute(
          tx,
          "UPDATE messages SET state = " +
              SqlMoveTo({MessageState::kSending}, MessageState::kCancelled, MessageActor::kOutbox,
                        "rerouting message " + std::to_string(id) + " (SMS quota)") +
              ", last_error = ?, final_at = ?, claim_id = NULL, lease_until = NULL, "
              "attempts = attempts - 1, updated_at = ? WHERE id = ?",
          why + "; sent by e-mail instead (rule " + row.rule_id + "+quota)", t, t, id);
    }
    Execute(tx, "INSERT INTO delivery_alerts (firm_id, kind, text, created_at) VALUES (?, ?, ?, ?)",
            row.message.firm_id, "quota", alert, t);
  });
}

void Outbox::Record(SqlConnection& c, const Row& row, const SendOutcome& o, Instant at,
                    SendCounts& counts) {
  const int64_t t = Secs(at);
  const int64_t id = row.message.id;
  if (o.status != SendStatus::kAccepted)
    ++counts.failure_reasons[o.detail.empty() ? "no reason given by the channel" : o.detail];
  switch (o.status) {
    case SendStatus::kAccepted:
      RecordAccepted(c, {{&row, &o}}, at, counts);
      return;
    case SendStatus::kPermanent: {
      // A gateway may send a rejection receipt before its HTTP answer: the
      // answer's reason is kept either way.
      Execute(c,
              "UPDATE messages SET state = " +
                  SqlMoveTo({MessageState::kSending, MessageState::kFailed}, MessageState::kFailed,
                            MessageActor::kOutbox,
                            "recording the failure of message " + std::to_string(id)) +
                  ", last_error = ?, final_at = COALESCE(final_at, ?), updated_at = ?, "
                  "lease_until = NULL WHERE id = ? AND state IN " +
                  SqlList({MessageState::kSending, MessageState::kFailed}),
              o.detail, t, t, id);
      ++counts.failed;
      return;
    }
    case SendStatus::kTransient: {
      Instant next = at + Backoff(row.attempts);
      const std::string from_sending =
          " WHERE id = ? AND state = " + SqlLiteral(MessageState::kSending);
      const std::string context =
          "recording the transient failure of message " + std::to_string(id);
      if (row.message.deadline != Instant{} && next >= row.message.deadline) {
        Execute(c,
                "UPDATE messages SET state = " +
                    SqlMoveTo({MessageState::kSending}, MessageState::kExpired,
                              MessageActor::kOutbox, context) +
                    ", last_error = ?, final_at = ?, updated_at = ?, lease_until = NULL" +
                    from_sending,
                "no retry before the deadline; last error: " + o.detail, t, t, id);
        ++counts.expired;
      } else {
        Execute(c,
                "UPDATE messages SET state = " +
                    SqlMoveTo({MessageState::kSending}, MessageState::kPlanned,
                              MessageActor::kOutbox, context) +
                    ", next_attempt_at = ?, last_error = ?, updated_at = ?, claim_id = NULL, "
                    "lease_until = NULL" +
                    from_sending,
                Secs(next), o.detail, t, id);
        ++counts.retried;
      }
      return;
    }
  }
}

void Outbox::RecordAccepted(SqlConnection& c,
                            const std::vector<std::pair<const Row*, const SendOutcome*>>& done,
                            Instant at, SendCounts& counts) {
  if (done.empty()) return;
  SqlStatement u(c, RecordAcceptedSql());
  u.Bind(3, Secs(at)).Bind(4, Secs(at));
  for (const auto& [row, outcome] : done) {
    u.Bind(1, outcome->gateway_message_id)
        .Bind(2, static_cast<int64_t>(outcome->segments))
        .Bind(5, row->message.id)
        .Run();
    ++counts.accepted;
  }
}

SendCounts& SendCounts::operator+=(const SendCounts& o) {
  claimed += o.claimed;
  accepted += o.accepted;
  retried += o.retried;
  failed += o.failed;
  expired += o.expired;
  suppressed += o.suppressed;
  held += o.held;
  rerouted += o.rerouted;
  released += o.released;
  for (const auto& [reason, n] : o.failure_reasons) failure_reasons[reason] += n;
  return *this;
}

// One SendDue: the rows claimed and not yet sent, the requests open, the counts.
struct Outbox::Pass {
  Pass(Instant at_, std::size_t max_) : at(at_), max(max_) {}
  const Instant at;
  const std::size_t max;  // rows to take from the store at most
  SendCounts counts;
  OpenSms open_sms;
  std::deque<Row> claimed;                   // claimed, not yet sent, in id order
  std::map<std::size_t, Row> open;           // sent, outcome not yet committed
  std::map<std::size_t, int> open_segments;  // of those, SMS counted for the quota
  std::size_t taken = 0, next_tag = 0;
  bool more = true;  // the store may have more due rows

  bool MayClaim() const { return more && taken < max; }
  std::size_t Want(std::size_t batch) const { return std::min(batch, max - taken); }
  // Takes a claim made in a committed transaction.
  void Take(Claimed& c) {
    Count(c, counts);
    taken += c.selected;
    more = more && c.selected == c.wanted;
    for (Row& r : c.rows) claimed.push_back(std::move(r));
  }
};

SendCounts Outbox::SendDue(Instant at, std::size_t max) {
  Pass pass(at, max);
  pass.counts.released = ReleaseHeld(at);
  // The window (and the width it adapted to) lives from pass to pass.
  const std::size_t max_width = std::max<std::size_t>(1, options_.send_window);
  if (!window_ || window_->max_width() != max_width)
    window_ = std::make_unique<SendWindow>(max_width, options_.send_window_start);
  try {
    while (true) {
      const auto filling = std::chrono::steady_clock::now();
      FillWindow(pass);
      loop_times_.filling += std::chrono::steady_clock::now() - filling;
      if (pass.open.empty()) break;
      CommitFinished(pass);
    }
  } catch (...) {
    // A store error: wait for the requests still on the wire (they point into
    // `pass.open`) before giving up; their rows stay 'sending' and the recovery
    // rule settles them.
    window_->TakeFinished(SIZE_MAX);
    throw;
  }
  return pass.counts;
}

void Outbox::FillWindow(Pass& pass) {
  // Keep as many requests open as the window's width allows now.
  while (pass.open.size() < window_->width()) {
    if (pass.claimed.empty()) {
      if (!pass.MayClaim()) return;
      Claimed c;
      c.wanted = pass.Want(options_.claim_batch);
      Transact([&](SqlConnection& conn) { ClaimIn(conn, pass.at, c); });
      pass.Take(c);
      continue;
    }
    Row row = std::move(pass.claimed.front());
    pass.claimed.pop_front();
    int segments = 0;
    if (!ApplyQuota(row, pass.at, pass.open_sms, pass.counts, &segments)) continue;
    if (segments > 0) pass.open_sms.Add(row.message.firm_id, segments, +1);
    const std::size_t tag = pass.next_tag++;
    Row& placed = pass.open.emplace(tag, std::move(row)).first->second;
    pass.open_segments[tag] = segments;
    auto it = channels_.find(placed.message.channel);
    window_->Submit(tag, it == channels_.end() ? nullptr : it->second, &placed.message);
  }
}

// Outcomes are timed by the clock of the pass (a pass with --now uses that
// instant) and committed together (group commit): each commit takes every
// outcome finished by then, at least an eighth of the window, in one
// transaction (one fsync) while the other requests are still on the wire. A
// slot is refilled only when its outcome is durable, so never more than W
// requests lack a committed outcome. Why an eighth (2 of 16): the commit is the
// send loop's bottleneck (fsync ~0.5 ms), and answers that arrive meanwhile go
// into the next one anyway; waiting for more left slots idle (half the window:
// 2,400 msg/s at W = 16, a quarter ~3,500, an eighth ~3,900 in send_bench),
// taking a single one costs a commit per outcome when answers trickle in. The
// same transaction claims the next batch when the queue runs low, so the window
// never drains at a batch boundary and a claim costs no commit of its own.
void Outbox::CommitFinished(Pass& pass) {
  const auto waiting = std::chrono::steady_clock::now();
  auto finished = window_->TakeFinished(std::max<std::size_t>(1, window_->width() / 8));
  const auto committing = std::chrono::steady_clock::now();
  loop_times_.waiting += committing - waiting;
  SendCounts recorded;
  Claimed next;
  const bool claim_ahead = pass.claimed.size() < window_->width() && pass.MayClaim();
  next.wanted = claim_ahead ? pass.Want(options_.claim_batch) : 0;
  Transact([&](SqlConnection& c) {
    recorded = SendCounts{};
    // The claim first: its SELECT would wait for the outcomes' queued UPDATEs
    // (one more round trip on PostgreSQL). The two touch different rows: the
    // claim takes 'planned' ones due now, the outcomes move 'sending' ones (a
    // retry is due only after its backoff).
    if (claim_ahead) ClaimIn(c, pass.at, next);
    std::vector<std::pair<const Row*, const SendOutcome*>> accepted;
    for (const auto& [tag, outcome] : finished) {
      if (outcome.status == SendStatus::kAccepted) {
        accepted.emplace_back(&pass.open.at(tag), &outcome);
      } else {
        Record(c, pass.open.at(tag), outcome, pass.at, recorded);
      }
    }
    RecordAccepted(c, accepted, pass.at, recorded);
  });
  if (claim_ahead) pass.Take(next);
  loop_times_.committing += std::chrono::steady_clock::now() - committing;
  ++loop_times_.commits;
  loop_times_.outcomes += static_cast<int64_t>(finished.size());
  pass.counts += recorded;
  for (const auto& [tag, outcome] : finished) {
    if (pass.open_segments[tag] > 0)
      pass.open_sms.Add(pass.open.at(tag).message.firm_id, pass.open_segments[tag], -1);
    pass.open_segments.erase(tag);
    pass.open.erase(tag);
  }
}

std::optional<Instant> Outbox::NextDue() {
  std::optional<int64_t> next = QueryInt(
      *db_.Connect(), "SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM messages WHERE state = " +
                          SqlLiteral(MessageState::kPlanned));
  if (!next) return std::nullopt;
  return At(*next);
}

}  // namespace kehrbote
