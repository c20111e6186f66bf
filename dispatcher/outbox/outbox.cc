#include "dispatcher/outbox/outbox.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
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
#include "dispatcher/store/record_values.h"
#include "dispatcher/store/sqlite_statement.h"
#include "shared/env/env.h"
#include "shared/log/logger.h"
#include "shared/log/personal_data.h"
#include "shared/phone/phone_number.h"
#include "shared/sms/segmented_text.h"
#include "shared/text/hex.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

Poco::Int64 Secs(Instant t) { return t.time_since_epoch().count(); }
Instant At(Poco::Int64 s) { return Instant(std::chrono::seconds(s)); }

// A RecordSet row read like a SqliteStatement row.
struct RecordSetRow {
  const RecordSet& rs;
  std::size_t row;
  int64_t Int(int col) const { return IntAt(rs, static_cast<std::size_t>(col), row); }
  std::string Text(int col) const { return StringAt(rs, static_cast<std::size_t>(col), row); }
};

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

struct Outbox::Row {
  OutgoingMessage message;
  std::string appointment_id;
  Poco::Int64 appointment_version = 0;
  std::string rule_id, contact_key;
  int attempts = 0;  // including this one
  Instant due{};
};

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
  const Poco::Int64 t = Secs(at);
  const std::string mine = options_.instance + "/%";
  db_.InTransaction([&](Session& s) {
    Statement st(s);
    st << db_.Sql(
        "SELECT m.id, COALESCE(m.claim_id, ''), m.deadline_at, m.recipient, m.channel, "
        "m.claim_window, (SELECT COUNT(*) FROM receipts r WHERE r.message_id = m.id) "
        "FROM messages m WHERE m.state = " +
        SqlLiteral(MessageState::kSending) +
        " AND (m.claim_id LIKE ? OR "
        "COALESCE(m.lease_until, 0) < ?) ORDER BY m.id"),
        bind(mine), bind(t);
    st.execute();
    RecordSet rs(st);
    // Rows come in id order: the first claim_window rows of each claim were
    // possibly in flight (see the header).
    std::map<std::string, Poco::Int64> seen;  // claim id -> rows so far
    for (std::size_t r = 0; r < rs.rowCount(); ++r) {
      Interrupted row;
      row.id = IntAt(rs, 0, r);
      row.maybe_sent = seen[StringAt(rs, 1, r)]++ < std::max<Poco::Int64>(1, IntAt(rs, 5, r));
      row.deadline = IntAt(rs, 2, r);
      row.recipient = StringAt(rs, 3, r);
      row.channel = StringAt(rs, 4, r);
      row.has_receipt = IntAt(rs, 6, r) > 0;
      Settle(s, row, t, counts);
    }
  });
  return counts;
}

namespace {
// Sets the flag (bound: 1 = possibly in flight now) but never clears it: a row
// sent before an earlier crash and claimed again, still unsent at this one, is
// a possible duplicate all the same.
const std::string kKeepFlag = "CASE WHEN ? = 1 THEN 1 ELSE possible_duplicate END";
}  // namespace

void Outbox::Settle(Session& s, const Interrupted& row, int64_t t, RecoveryCounts& counts) {
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
  Statement u(s);
  if (row.has_receipt) {
    // A receipt (buffered, SMSC ack) came before the crash: the gateway has it.
    u << db_.Sql("UPDATE messages SET state = " + to(MessageState::kAccepted) +
                 ", sent_at = COALESCE(sent_at, ?), claim_id = NULL, lease_until = NULL, "
                 "updated_at = ?, last_error = ?" +
                 from_sending),
        bind(t), bind(t),
        bind(std::string("interrupted after the gateway took it (receipt); not sent again")),
        bind(row.id);
    u.execute();
    ++counts.settled;
  } else if (row.deadline != 0 && row.deadline <= t) {
    u << db_.Sql("UPDATE messages SET state = " + to(MessageState::kExpired) +
                 ", last_error = ?, final_at = ?, updated_at = ?, possible_duplicate = " +
                 kKeepFlag + from_sending),
        bind(std::string("interrupted while sending; deadline passed")), bind(t), bind(t),
        bind(Poco::Int64(row.maybe_sent ? 1 : 0)), bind(row.id);
    u.execute();
    ++counts.expired;
  } else if (row.maybe_sent && row.channel == ToString(ContactChannel::kSms) &&
             options_.settle_wait.count() > 0) {
    // Its receipt decides (ApplyReceipt); the claim sends it only if none came.
    const Poco::Int64 until = t + options_.settle_wait.count();
    u << db_.Sql("UPDATE messages SET state = " + to(MessageState::kPlanned) +
                 ", next_attempt_at = ?, settle_until = ?, claim_id = NULL, lease_until = NULL, "
                 "updated_at = ?, last_error = ?" +
                 from_sending),
        bind(until), bind(until), bind(t),
        bind("interrupted while the request may have been in flight; waiting " +
             std::to_string(options_.settle_wait.count()) +
             " s for its delivery receipt before sending again"),
        bind(row.id);
    u.execute();
    ++counts.awaiting_receipt;
    Log("outbox").Warning(who + " was possibly sent before a crash; waiting " +
                          std::to_string(options_.settle_wait.count()) +
                          " s for its delivery receipt");
  } else {
    u << db_.Sql("UPDATE messages SET state = " + to(MessageState::kPlanned) +
                 ", next_attempt_at = ?, claim_id = NULL, lease_until = NULL, updated_at = ?, "
                 "possible_duplicate = " +
                 kKeepFlag + ", last_error = ?" + from_sending),
        bind(t), bind(t), bind(Poco::Int64(row.maybe_sent ? 1 : 0)),
        bind(std::string(row.maybe_sent ? "interrupted while the request may have been in "
                                          "flight; re-sent (possible duplicate)"
                                        : "interrupted before the request; re-sent")),
        bind(row.id);
    u.execute();
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
// "1,2,3" for an IN list (ids are numbers from the store, never user text).
std::string IdList(const std::vector<Poco::Int64>& ids) {
  std::string out;
  for (Poco::Int64 id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}
}  // namespace

namespace {
// The pass's hot statements, built once from the enums (the moves checked then).
const std::string& ClaimSelectSql() {
  static const std::string sql =
      "SELECT m.id, m.firm_id, m.appointment_id, m.appointment_version, m.rule_id, m.purpose, "
      "m.channel, m.contact_key, m.recipient, m.sender, m.subject, m.body, m.deadline_at, "
      "m.attempts, COALESCE(m.dlr_token, ''), m.due_at, (SELECT COUNT(*) FROM suppressions su "
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

// Why: a pass commits every few messages (group commit), and through Poco each
// commit compiled BEGIN, COMMIT and the UPDATE again (~130 us CPU per commit on
// the one thread that all commits go through). One pooled connection is held
// for the pass and these statements are prepared on it once.
struct Outbox::PassSql {
  explicit PassSql(Session s)
      : session(std::move(s)),
        begin(session, "BEGIN IMMEDIATE"),
        commit(session, "COMMIT"),
        rollback(session, "ROLLBACK"),
        claim_select(session, ClaimSelectSql()),
        claim_update(session, ClaimUpdateSql()),
        record_accepted(session, RecordAcceptedSql()) {}
  Session session;
  SqliteStatement begin, commit, rollback, claim_select, claim_update, record_accepted;
};

void Outbox::Transact(PassSql* pass, const std::function<void(Session&)>& fn) {
  if (pass == nullptr) {
    db_.InTransaction(fn);
    return;
  }
  // This process's other writers take turns too: waiting here starts the
  // transaction when the one before commits, where SQLite's busy handler would
  // poll (1-100 ms a try) and lose to a writer that starts again at once.
  std::unique_lock<std::timed_mutex> writer = db_.TakeWriterTurn();
  pass->begin.Run();
  try {
    fn(pass->session);
    pass->commit.Run();
  } catch (...) {
    try {
      pass->rollback.Run();
    } catch (...) {
      // No transaction left to roll back (SQLite ended it itself).
    }
    throw;
  }
}

// Claims within `s` (the caller commits): rows set 'sending', expired and
// suppressed rows settled. Counts go to `out` only, so a failed transaction
// leaves the caller's counts alone.
void Outbox::ClaimIn(Session& s, PassSql* pass, Instant at, std::size_t max, Claimed& out) {
  const std::size_t wanted = out.wanted;
  out = Claimed{};
  out.wanted = wanted;
  std::vector<Row>& rows = out.rows;
  std::vector<Poco::Int64> expired, suppressed;
  std::size_t* selected = &out.selected;
  const Poco::Int64 t = Secs(at);
  const std::string claim_id = options_.instance + "/" +
                               std::to_string(Env::Default().ProcessId()) + "-" +
                               std::to_string(t) + "-" + std::to_string(++claim_seq_);
  const Poco::Int64 lease = t + options_.lease.count();
  const Poco::Int64 window = static_cast<Poco::Int64>(std::max<std::size_t>(1, options_.send_window));
  rows.clear();
  std::string select = ClaimSelectSql();
  if (db_.dialect() == SqlDialect::kPostgresql) select += " FOR UPDATE OF m SKIP LOCKED";
  expired.clear();
  suppressed.clear();
  // One selected row, read through `cells` (a RecordSet row or a SqliteStatement).
  auto take_row = [&](const auto& cells) {
    ++*selected;
    Row row;
    OutgoingMessage& m = row.message;
    m.id = cells.Int(0);
    m.deadline = At(cells.Int(12));
    // Settled without sending.
    if (m.deadline != Instant{} && m.deadline <= at) {
      expired.push_back(m.id);
      return;
    }
    m.purpose = cells.Text(5);
    if (cells.Int(16) > 0 && m.purpose != ToString(MessagePurpose::kConfirmation)) {
      suppressed.push_back(m.id);
      return;
    }
    m.firm_id = cells.Text(1);
    row.appointment_id = m.appointment_id = cells.Text(2);
    row.appointment_version = cells.Int(3);
    row.rule_id = cells.Text(4);
    m.channel = cells.Text(6);
    row.contact_key = cells.Text(7);
    m.recipient = cells.Text(8);
    m.sender = cells.Text(9);
    m.subject = cells.Text(10);
    m.body = cells.Text(11);
    row.attempts = static_cast<int>(cells.Int(13)) + 1;
    m.dlr_token = cells.Text(14);
    if (m.dlr_token.empty()) m.dlr_token = NewDlrToken(m.id);
    row.due = At(cells.Int(15));
    if (cells.Int(17) != 0)
      Log("outbox").ForFirm(m.firm_id).Warning(
          "message " + std::to_string(m.id) + " to " + MaskContact(m.recipient) + " (" + m.channel +
          ") was possibly sent before a crash and no delivery receipt came; "
          "sending again: possible duplicate");
    rows.push_back(std::move(row));
  };
  *selected = 0;
  if (db_.dialect() == SqlDialect::kSqlite) {
    // Every claim: Poco's compile and RecordSet conversions cost more than the query.
    std::optional<SqliteStatement> local;
    SqliteStatement& q = pass ? pass->claim_select : local.emplace(s, select);
    q.Bind(1, static_cast<int64_t>(t)).Bind(2, static_cast<int64_t>(max));
    while (q.Step()) take_row(q);
  } else {
    Statement st(s);
    Poco::Int64 limit = static_cast<Poco::Int64>(max);
    st << db_.Sql(select), bind(t), bind(limit);
    st.execute();
    RecordSet rs(st);
    for (std::size_t r = 0; r < rs.rowCount(); ++r) take_row(RecordSetRow{rs, r});
  }
  // Oldest due first into the claim, then sent in id order (the recovery rule).
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.message.id < b.message.id; });
  if (!expired.empty()) {
    Statement u(s);
    u << db_.Sql("UPDATE messages SET state = " +
                 SqlMoveTo({MessageState::kPlanned}, MessageState::kExpired, MessageActor::kOutbox,
                           "claiming messages past their deadline") +
                 ", last_error = ?, final_at = ?, updated_at = ? WHERE id IN (" + IdList(expired) +
                 ")"),
        bind(std::string("deadline passed before it could be sent")), bind(t), bind(t);
    u.execute();
  }
  if (!suppressed.empty()) {
    Statement u(s);
    u << db_.Sql("UPDATE messages SET state = " +
                 SqlMoveTo({MessageState::kPlanned}, MessageState::kCancelled,
                           MessageActor::kOutbox, "claiming messages to suppressed contacts") +
                 ", last_error = ?, final_at = ?, updated_at = ? WHERE id IN (" +
                 IdList(suppressed) + ")"),
        bind(std::string("suppressed: the contact asked for no more messages (STOP)")), bind(t),
        bind(t);
    u.execute();
  }
  if (!rows.empty()) {
    if (db_.dialect() == SqlDialect::kSqlite) {
      // Prepared once and run per row (Poco would compile it per row).
      std::optional<SqliteStatement> local;
      SqliteStatement& u = pass ? pass->claim_update : local.emplace(s, ClaimUpdateSql());
      u.Bind(1, claim_id).Bind(2, static_cast<int64_t>(lease)).Bind(3, static_cast<int64_t>(window))
          .Bind(5, static_cast<int64_t>(t));
      for (const Row& row : rows) u.Bind(4, row.message.dlr_token).Bind(6, row.message.id).Run();
    } else {
      Poco::Int64 id = 0, lease_at = lease, width = window, now_s = t;
      std::string token, claim = claim_id;
      Statement u(s);
      u << db_.Sql(ClaimUpdateSql()), use(claim), use(lease_at), use(width), use(token), use(now_s),
          use(id);
      for (const Row& row : rows) {
        id = row.message.id;
        token = row.message.dlr_token;
        u.execute();
      }
    }
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
    Poco::Int64 sms = 0, segments = 0;
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

std::pair<int64_t, int64_t> Outbox::UsedThisMonth(const std::string& firm_id, Instant at,
                                                  int64_t exclude_id) {
  // The firm's month, in its zone.
  MonthSpan month =
      LocalMonthOf(at, options_.zone ? options_.zone(firm_id) : std::string("Europe/Vienna"));
  Poco::Int64 from = Secs(month.from), to = Secs(month.to);
  Poco::Int64 sent = 0, segments = 0, exclude = exclude_id;
  std::string firm = firm_id;
  Session s = db_.GetSession();
  s << db_.Sql(
      "SELECT COUNT(*), COALESCE(SUM(segments), 0) FROM messages WHERE firm_id = ? AND "
      "channel = " +
      SqlLiteral(ContactChannel::kSms) + " AND sent_at >= ? AND sent_at < ? AND id <> ?"),
      bind(firm), bind(from), bind(to), bind(exclude), into(sent), into(segments), now;
  return {sent, segments};
}

int Outbox::ReleaseHeld(Instant at) {
  const Poco::Int64 t = Secs(at);
  Session s = db_.GetSession();
  Statement st(s);
  const std::string held = SqlLiteral(MessageState::kHeld);
  st << "SELECT id, firm_id, body, deadline_at FROM messages WHERE state = " + held +
            " ORDER BY id";
  st.execute();
  RecordSet rs(st);
  if (rs.rowCount() == 0) return 0;
  std::vector<Poco::Int64> release, expire;
  // Room left per firm this month; a firm without a limit (any more) takes all.
  std::map<std::string, std::pair<int64_t, int64_t>> room;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    Poco::Int64 id = IntAt(rs, 0, r), deadline = IntAt(rs, 3, r);
    if (deadline != 0 && deadline <= t) {
      expire.push_back(id);
      continue;
    }
    std::string firm = StringAt(rs, 1, r);
    SmsQuota quota = options_.quota ? options_.quota(firm) : SmsQuota{};
    constexpr int64_t kUnlimited = INT64_MAX / 4;
    if (!room.count(firm)) {
      auto [sent, segments] = UsedThisMonth(firm, at, 0);
      room[firm] = {quota.sms_per_month > 0 ? quota.sms_per_month - sent : kUnlimited,
                    quota.segments_per_month > 0 ? quota.segments_per_month - segments : kUnlimited};
    }
    auto& [sms_left, segments_left] = room[firm];
    int need = SegmentsOf(StringAt(rs, 2, r));
    if (sms_left < 1 || segments_left < need) continue;  // still over: stays held, no new alert
    sms_left -= 1;
    segments_left -= need;
    release.push_back(id);
  }
  db_.InTransaction([&](Session& tx) {
    if (!release.empty()) {
      Statement u(tx);
      u << db_.Sql("UPDATE messages SET state = " +
                   SqlMoveTo({MessageState::kHeld}, MessageState::kPlanned, MessageActor::kOutbox,
                             "releasing held messages") +
                   ", next_attempt_at = ?, last_error = ?, updated_at = ? WHERE state = " + held +
                   " AND id IN (" + IdList(release) + ")"),
          bind(t), bind(std::string("released: the SMS quota has room again")), bind(t);
      u.execute();
    }
    if (!expire.empty()) {
      Statement u(tx);
      u << db_.Sql("UPDATE messages SET state = " +
                   SqlMoveTo({MessageState::kHeld}, MessageState::kExpired, MessageActor::kOutbox,
                             "expiring held messages") +
                   ", last_error = ?, final_at = ?, updated_at = ? WHERE state = " + held +
                   " AND id IN (" + IdList(expire) + ")"),
          bind(std::string("held (SMS quota of the month reached) until the appointment began")),
          bind(t), bind(t);
      u.execute();
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
  auto [sent, segments] = UsedThisMonth(row.message.firm_id, at, row.message.id);
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

  const Poco::Int64 t = Secs(at);
  // E-mail if the contact has one: an e-mail message planned for the same appointment.
  std::string email;
  if (!row.appointment_id.empty()) {
    Session s = db_.GetSession();
    Statement q(s);
    q << db_.Sql(
        "SELECT recipient FROM messages WHERE firm_id = ? AND appointment_id = ? AND "
        "channel = " +
        SqlLiteral(ContactChannel::kEmail) + " ORDER BY id DESC LIMIT 1"),
        bind(row.message.firm_id), bind(row.appointment_id), into(email);
    q.execute();
  }
  std::string why = "SMS quota of the month reached (" + std::to_string(sent) + " SMS, " +
                    std::to_string(segments) + " parts)";
  db_.InTransaction([&](Session& tx) {
    if (!email.empty()) {
      Statement ins(tx);
      ins << db_.Sql(
          "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
          "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
          "due_at, deadline_at, state, attempts, next_attempt_at, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, " +
          SqlLiteral(ContactChannel::kEmail) + ", ?, ?, ?, ?, ?, 0, ?, ?, " +
          SqlLiteral(MessageState::kPlanned) +
          ", 0, ?, ?, ?) ON CONFLICT (firm_id, appointment_id, "
          "appointment_version, contact_key, rule_id) DO NOTHING"),
          bind(row.message.firm_id), bind(row.appointment_id), bind(row.appointment_version),
          bind(row.rule_id + "+quota"), bind(row.message.purpose), bind(email), bind(email),
          bind(row.message.sender), bind(std::string("Erinnerung an Ihren Termin")),
          bind(row.message.body), bind(t), bind(Secs(row.message.deadline)), bind(t), bind(t),
          bind(t);
      ins.execute();
    }
    // Sent by e-mail instead, the SMS is done ('cancelled' with the reason): held,
    // it went out as well once the quota had room, and the customer got both.
    Statement u(tx);
    const Poco::Int64 id = row.message.id;
    if (email.empty()) {
      u << db_.Sql("UPDATE messages SET state = " +
                   SqlMoveTo({MessageState::kSending}, MessageState::kHeld, MessageActor::kOutbox,
                             "holding message " + std::to_string(id) + " (SMS quota)") +
                   ", last_error = ?, claim_id = NULL, lease_until = NULL, "
                   "attempts = attempts - 1, updated_at = ? WHERE id = ?"),
          bind(why + "; held"), bind(t), bind(id);
    } else {
      u << db_.Sql("UPDATE messages SET state = " +
                   SqlMoveTo({MessageState::kSending}, MessageState::kCancelled,
                             MessageActor::kOutbox,
                             "rerouting message " + std::to_string(id) + " (SMS quota)") +
                   ", last_error = ?, final_at = ?, claim_id = NULL, lease_until = NULL, "
                   "attempts = attempts - 1, updated_at = ? WHERE id = ?"),
          bind(why + "; sent by e-mail instead (rule " + row.rule_id + "+quota)"), bind(t), bind(t),
          bind(id);
    }
    u.execute();
    Statement a(tx);
    a << db_.Sql("INSERT INTO delivery_alerts (firm_id, kind, text, created_at) VALUES (?, ?, ?, ?)"),
        bind(row.message.firm_id), bind(std::string("quota")),
        bind(std::string(email.empty() ? "SMS-Kontingent des Monats erreicht: Nachricht an " +
                                             MaskContact(row.message.recipient) +
                                             " zurückgehalten"
                                       : "SMS-Kontingent des Monats erreicht: Nachricht an " +
                                             MaskContact(row.message.recipient) +
                                             " per E-Mail gesendet")),
        bind(t);
    a.execute();
  });
  if (email.empty()) {
    ++counts.held;
  } else {
    ++counts.rerouted;
  }
  return false;
}

void Outbox::Record(Session& s, const Row& row, const SendOutcome& o, Instant at,
                    SendCounts& counts) {
  const Poco::Int64 t = Secs(at);
  const Poco::Int64 id = row.message.id;
  if (o.status != SendStatus::kAccepted)
    ++counts.failure_reasons[o.detail.empty() ? "no reason given by the channel" : o.detail];
  switch (o.status) {
    case SendStatus::kAccepted:
      RecordAccepted(s, nullptr, {{&row, &o}}, at, counts);
      return;
    case SendStatus::kPermanent: {
      // A gateway may send a rejection receipt before its HTTP answer: the
      // answer's reason is kept either way.
      s << db_.Sql("UPDATE messages SET state = " +
                   SqlMoveTo({MessageState::kSending, MessageState::kFailed}, MessageState::kFailed,
                             MessageActor::kOutbox,
                             "recording the failure of message " + std::to_string(id)) +
                   ", last_error = ?, final_at = COALESCE(final_at, ?), updated_at = ?, "
                   "lease_until = NULL WHERE id = ? AND state IN " +
                   SqlList({MessageState::kSending, MessageState::kFailed})),
          bind(o.detail), bind(t), bind(t), bind(id), now;
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
        s << db_.Sql("UPDATE messages SET state = " +
                     SqlMoveTo({MessageState::kSending}, MessageState::kExpired,
                               MessageActor::kOutbox, context) +
                     ", last_error = ?, final_at = ?, updated_at = ?, lease_until = NULL" +
                     from_sending),
            bind("no retry before the deadline; last error: " + o.detail), bind(t), bind(t),
            bind(id), now;
        ++counts.expired;
      } else {
        s << db_.Sql("UPDATE messages SET state = " +
                     SqlMoveTo({MessageState::kSending}, MessageState::kPlanned,
                               MessageActor::kOutbox, context) +
                     ", next_attempt_at = ?, last_error = ?, updated_at = ?, claim_id = NULL, "
                     "lease_until = NULL" +
                     from_sending),
            bind(Secs(next)), bind(o.detail), bind(t), bind(id), now;
        ++counts.retried;
      }
      return;
    }
  }
}

void Outbox::RecordAccepted(Session& s, PassSql* pass,
                            const std::vector<std::pair<const Row*, const SendOutcome*>>& done,
                            Instant at, SendCounts& counts) {
  if (done.empty()) return;
  if (db_.dialect() == SqlDialect::kSqlite) {
    // Prepared once and run per row (Poco would compile it per row).
    std::optional<SqliteStatement> local;
    SqliteStatement& u = pass ? pass->record_accepted : local.emplace(s, RecordAcceptedSql());
    u.Bind(3, static_cast<int64_t>(Secs(at))).Bind(4, static_cast<int64_t>(Secs(at)));
    for (const auto& [row, outcome] : done) {
      u.Bind(1, outcome->gateway_message_id)
          .Bind(2, static_cast<int64_t>(outcome->segments))
          .Bind(5, row->message.id)
          .Run();
      ++counts.accepted;
    }
    return;
  }
  Poco::Int64 id = 0, segments = 0, sent_at = Secs(at), updated_at = Secs(at);
  std::string gateway_id;
  Statement u(s);
  u << db_.Sql(RecordAcceptedSql()), use(gateway_id), use(segments), use(sent_at), use(updated_at),
      use(id);
  for (const auto& [row, outcome] : done) {
    id = row->message.id;
    segments = outcome->segments;
    gateway_id = outcome->gateway_message_id;
    u.execute();
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

SendCounts Outbox::SendDue(Instant at, std::size_t max) {
  SendCounts counts;
  counts.released = ReleaseHeld(at);
  // The window (and the width it adapted to) lives from pass to pass.
  const std::size_t max_width = std::max<std::size_t>(1, options_.send_window);
  if (!window_ || window_->max_width() != max_width)
    window_ = std::make_unique<SendWindow>(max_width, options_.send_window_start);
  OpenSms open_sms;
  std::deque<Row> claimed;                        // claimed, not yet sent, in id order
  std::map<std::size_t, Row> open;                // sent, outcome not yet committed
  std::map<std::size_t, int> open_segments;       // of those, SMS counted for the quota
  std::size_t taken = 0, next_tag = 0;
  bool more = true;  // the store may have more due rows
  // Takes a claim made in a committed transaction.
  auto take = [&](Claimed& c) {
    Count(c, counts);
    taken += c.selected;
    more = more && c.selected == c.wanted;
    for (Row& r : c.rows) claimed.push_back(std::move(r));
  };
  auto want = [&] { return std::min(options_.claim_batch, max - taken); };
  std::unique_ptr<PassSql> pass;
  if (db_.dialect() == SqlDialect::kSqlite) pass = std::make_unique<PassSql>(db_.GetSession());
  try {
    while (true) {
      // Keep as many requests open as the window's width allows now.
      while (open.size() < window_->width()) {
        if (claimed.empty()) {
          if (!more || taken >= max) break;
          Claimed c;
          c.wanted = want();
          Transact(pass.get(), [&](Session& s) { ClaimIn(s, pass.get(), at, c.wanted, c); });
          take(c);
          continue;
        }
        Row row = std::move(claimed.front());
        claimed.pop_front();
        int segments = 0;
        if (!ApplyQuota(row, at, open_sms, counts, &segments)) continue;
        if (segments > 0) open_sms.Add(row.message.firm_id, segments, +1);
        std::size_t tag = next_tag++;
        Row& placed = open.emplace(tag, std::move(row)).first->second;
        open_segments[tag] = segments;
        auto it = channels_.find(placed.message.channel);
        window_->Submit(tag, it == channels_.end() ? nullptr : it->second, &placed.message);
      }
      if (open.empty()) break;
      // Outcomes are timed by the clock of the pass (a pass with --now uses that
      // instant) and committed together (group commit): each commit takes every
      // outcome finished by then, at least an eighth of the window, in one
      // transaction (one fsync) while the other requests are still on the wire.
      // A slot is refilled only when its outcome is durable, so never more than
      // W requests lack a committed outcome. Why an eighth (2 of 16): the commit
      // is the send loop's bottleneck (fsync ~0.5 ms), and answers that arrive
      // meanwhile go into the next one anyway; waiting for more left slots idle
      // (half the window: 2,400 msg/s at W = 16, a quarter ~3,500, an eighth
      // ~3,900 in send_bench), taking a single one costs a commit per outcome
      // when answers trickle in. The same transaction claims the next batch when
      // the queue runs low, so the window never drains at a batch boundary and a
      // claim costs no commit of its own.
      auto finished = window_->TakeFinished(std::max<std::size_t>(1, window_->width() / 8));
      SendCounts recorded;
      Claimed next;
      const bool claim_ahead = claimed.size() < window_->width() && more && taken < max;
      next.wanted = claim_ahead ? want() : 0;
      Transact(pass.get(), [&](Session& s) {
        recorded = SendCounts{};
        std::vector<std::pair<const Row*, const SendOutcome*>> accepted;
        for (const auto& [tag, outcome] : finished) {
          if (outcome.status == SendStatus::kAccepted) {
            accepted.emplace_back(&open.at(tag), &outcome);
          } else {
            Record(s, open.at(tag), outcome, at, recorded);
          }
        }
        RecordAccepted(s, pass.get(), accepted, at, recorded);
        if (claim_ahead) ClaimIn(s, pass.get(), at, next.wanted, next);
      });
      if (claim_ahead) take(next);
      counts.accepted += recorded.accepted;
      counts.retried += recorded.retried;
      counts.failed += recorded.failed;
      counts.expired += recorded.expired;
      for (const auto& [reason, n] : recorded.failure_reasons) counts.failure_reasons[reason] += n;
      for (const auto& [tag, outcome] : finished) {
        if (open_segments[tag] > 0)
          open_sms.Add(open.at(tag).message.firm_id, open_segments[tag], -1);
        open_segments.erase(tag);
        open.erase(tag);
      }
    }
  } catch (...) {
    // A store error: wait for the requests still on the wire (they point into
    // `open`) before giving up; their rows stay 'sending' and the recovery rule
    // settles them.
    window_->TakeFinished(SIZE_MAX);
    throw;
  }
  return counts;
}

std::optional<Instant> Outbox::NextDue() {
  Session s = db_.GetSession();
  Poco::Nullable<Poco::Int64> next;
  s << "SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM messages WHERE state = " +
           SqlLiteral(MessageState::kPlanned),
      into(next), now;
  if (next.isNull()) return std::nullopt;
  return At(next.value());
}

}  // namespace kehrbote
