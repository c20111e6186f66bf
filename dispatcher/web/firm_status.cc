#include "dispatcher/web/firm_status.h"

#include <algorithm>
#include <functional>
#include <map>

#include "dispatcher/message/message_sql.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

using namespace std::chrono_literals;

namespace {

int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }

// Failed for the overview: failed or expired (messages_failed_final's WHERE
// names the same list, so the index serves the query).
std::string FailedStatesSql() { return SqlList({MessageState::kFailed, MessageState::kExpired}); }

// Runs `sql` (bound to `from` if set) and hands each row to `row`.
void EachRow(SqlConnection& c, const std::string& sql, std::optional<int64_t> from,
             const std::function<void(const SqlStatement&)>& row) {
  SqlStatement q(c, sql);
  if (from) q.Bind(1, *from);
  while (q.Step()) row(q);
}

std::string Days(std::chrono::seconds age) {
  return std::to_string(age.count() / 86400) + (age >= 48h ? " Tagen" : " Tag");
}

}  // namespace

std::string ToGerman(Light light) {
  switch (light) {
    case Light::kGreen: return "grün";
    case Light::kYellow: return "gelb";
    case Light::kRed: return "rot";
  }
  return "";
}

void TrafficLight(FirmStatus& st, Instant now) {
  auto red = [&](std::string why) {
    st.light = Light::kRed;
    st.reason = std::move(why);
  };
  auto yellow = [&](std::string why) {
    if (st.light == Light::kGreen) {
      st.light = Light::kYellow;
      st.reason = std::move(why);
    }
  };
  st.light = Light::kGreen;
  st.reason.clear();
  std::chrono::seconds age = st.last_export ? now - *st.last_export : 0s;
  if (!st.last_export) return red("Noch kein Export erhalten");
  if (age > 48h) return red("Export seit " + Days(age) + " nicht erhalten");
  if (st.last_rejected && *st.last_rejected > *st.last_export)
    return red("Letzter Export wurde abgelehnt");
  if (st.heartbeat_failed > 0) return red("Heartbeat fehlgeschlagen");
  if (age > 26h) yellow("Export älter als 26 Stunden");
  if (st.failed_24h > 0) yellow(std::to_string(st.failed_24h) + " Nachrichten fehlgeschlagen");
  if (st.held > 0) yellow(std::to_string(st.held) + " Nachrichten angehalten");
  if (st.open_alarms > 0) yellow(std::to_string(st.open_alarms) + " offene Alarme");
  int64_t quota = st.firm.quota_sms_per_month;
  if (quota > 0 && st.sms_this_month * 10 >= quota * 9) yellow("SMS-Kontingent zu 90 % verbraucht");
}

std::vector<FirmStatus> QueryFirmStatus(Database& db, const FirmDirectory& firms, Instant now,
                                        const std::string& operator_zone) {
  std::map<std::string, FirmStatus, std::less<>> rows;
  for (const auto& [id, info] : firms.all()) rows[id].firm = info;
  // The firm of a row (its first column), if the directory has it.
  auto of = [&rows](const SqlStatement& q) -> FirmStatus* {
    auto it = rows.find(q.TextView(0));
    return it == rows.end() ? nullptr : &it->second;
  };
  auto instant = [](std::optional<int64_t> s) -> std::optional<Instant> {
    if (!s) return std::nullopt;
    return Instant(std::chrono::seconds(*s));
  };
  PooledConnection c = db.Connect();
  int64_t day_ago = Seconds(now - 24h);
  EachRow(*c, "SELECT id, last_export_at, last_rejected_at FROM firms", std::nullopt,
          [&](const SqlStatement& q) {
            if (FirmStatus* f = of(q)) {
              f->last_export = instant(q.OptionalInt(1));
              f->last_rejected = instant(q.OptionalInt(2));
            }
          });
  // Heartbeats due in the last 24 h and messages failed since (small partial
  // indexes; "GROUP BY firm_id || ''" keeps SQLite from walking messages_firm_due
  // whole just to get the rows grouped).
  EachRow(*c,
          // planned / sent / delivered / failed. Sent is sending or accepted (there
          // is no state 'sent': until 2026-12-07 this counted it, so sent was always
          // 0 and an accepted heartbeat counted as planned).
          "SELECT firm_id || '' AS f, "
          "SUM(CASE WHEN state IN " +
              SqlList({MessageState::kPlanned, MessageState::kHeld}) +
              " THEN 1 ELSE 0 END), "
              "SUM(CASE WHEN state IN " +
              SqlList({MessageState::kSending, MessageState::kAccepted}) +
              " THEN 1 ELSE 0 END), "
              "SUM(CASE WHEN state = " +
              SqlLiteral(MessageState::kDelivered) +
              " THEN 1 ELSE 0 END), "
              "SUM(CASE WHEN state IN " +
              FailedStatesSql() +
              " THEN 1 ELSE 0 END) "
              "FROM messages WHERE purpose = " +
              SqlLiteral(MessagePurpose::kHeartbeat) + " AND due_at >= ? GROUP BY f",
          day_ago, [&](const SqlStatement& q) {
            FirmStatus* f = of(q);
            if (!f) return;
            f->heartbeat_planned = q.Int(1);
            f->heartbeat_sent = q.Int(2);
            f->heartbeat_delivered = q.Int(3);
            f->heartbeat_failed = q.Int(4);
          });
  EachRow(*c,
          "SELECT firm_id || '' AS f, COUNT(*) FROM messages WHERE state IN " + FailedStatesSql() +
              " AND final_at >= ? GROUP BY f",
          day_ago, [&](const SqlStatement& q) {
            if (FirmStatus* f = of(q)) f->failed_24h = q.Int(1);
          });
  // Index-only on messages_sent_firm.
  EachRow(*c,
          "SELECT firm_id || '' AS f, COUNT(*) FROM messages WHERE sent_at >= ? AND "
          "channel = " +
              SqlLiteral(ContactChannel::kSms) + " GROUP BY f",
          Seconds(LocalMonthOf(now, operator_zone).from), [&](const SqlStatement& q) {
            if (FirmStatus* f = of(q)) f->sms_this_month = q.Int(1);
          });
  EachRow(*c,
          "SELECT firm_id, COUNT(*) FROM messages WHERE state = " +
              SqlLiteral(MessageState::kHeld) + " GROUP BY firm_id",
          std::nullopt, [&](const SqlStatement& q) {
            if (FirmStatus* f = of(q)) f->held = q.Int(1);
          });
  EachRow(*c,
          "SELECT firm_id, COUNT(*) FROM delivery_alerts WHERE reported_at IS NULL "
          "GROUP BY firm_id",
          std::nullopt, [&](const SqlStatement& q) {
            if (FirmStatus* f = of(q)) f->open_alarms = q.Int(1);
          });
  std::vector<FirmStatus> out;
  out.reserve(rows.size());
  for (auto& [id, st] : rows) {
    TrafficLight(st, now);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace kehrbote
