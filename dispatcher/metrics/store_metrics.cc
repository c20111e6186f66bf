#include "dispatcher/metrics/store_metrics.h"

#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "dispatcher/message/message_sql.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

// Partial indexes: the per-firm queries read a few rows per firm, not the
// whole messages table (which holds every message ever planned). A migration's
// text is history and stays literal; the queries name the same strings through
// dispatcher/message/message_sql.h.
const std::vector<Migration>& StoreMetricsMigrations() {
  static const std::string v1 =
      "CREATE INDEX metrics_heartbeats ON messages (firm_id, due_at) WHERE rule_id = 'heartbeat';"
      "CREATE INDEX metrics_sms_sent ON messages (sent_at) WHERE channel = 'sms';"
      "CREATE INDEX metrics_updated ON messages (updated_at);"
      "CREATE INDEX metrics_open ON messages (state, channel) "
      "WHERE state IN ('planned', 'sending', 'held')";
  static const std::vector<Migration> m = {{1, v1, v1}};
  return m;
}

void MigrateStoreMetrics(Database& db) { db.Migrate(kMetricsComponent, StoreMetricsMigrations()); }

namespace {

constexpr int64_t kRecentSeconds = int64_t{24} * 3600;
constexpr int64_t kHeartbeatWindowSeconds = int64_t{35} * 24 * 3600;

int64_t Secs(Instant t) { return t.time_since_epoch().count(); }

// The states counted as open (metrics_open's WHERE names the same list).
std::string OpenStatesSql() {
  return SqlList({MessageState::kPlanned, MessageState::kSending, MessageState::kHeld});
}

// Open messages by state and channel, with the due and the retrying ones.
void WriteOpenMessages(SqlConnection& c, int64_t now, PrometheusText& out) {
  const std::string planned = SqlLiteral(MessageState::kPlanned);
  SqlStatement q(c,
                 "SELECT state, channel, COUNT(*), "
                 "SUM(CASE WHEN state = " +
                     planned +
                     " AND COALESCE(next_attempt_at, due_at) <= ? "
                     "THEN 1 ELSE 0 END), "
                     "SUM(CASE WHEN state = " +
                     planned +
                     " AND attempts > 0 THEN 1 ELSE 0 END) "
                     "FROM messages WHERE state IN " +
                     OpenStatesSql() + " GROUP BY state, channel ORDER BY state, channel");
  q.Bind(1, now);
  std::map<std::string, int64_t> queues = {
      {"due", 0}, {"retrying", 0}, {"held", 0}, {"sending", 0}};
  out.Family("kehrbote_messages", "gauge", "Open messages by state and channel.");
  while (q.Step()) {
    const std::string state = q.Text(0);
    const int64_t n = q.Int(2);
    out.Sample("kehrbote_messages", {{"state", state}, {"channel", q.Text(1)}},
               static_cast<double>(n));
    queues["due"] += q.Int(3);
    queues["retrying"] += q.Int(4);
    if (state == ToString(MessageState::kHeld) || state == ToString(MessageState::kSending))
      queues[state] += n;
  }
  out.Family("kehrbote_queue_messages", "gauge",
             "Queue depths: due (planned, due now), retrying, held (quota), sending.");
  for (const auto& [queue, n] : queues)
    out.Sample("kehrbote_queue_messages", {{"queue", queue}}, static_cast<double>(n));
}

// Messages that reached a final state in the last 24 hours.
void WriteRecentMessages(SqlConnection& c, int64_t now, PrometheusText& out) {
  SqlStatement q(c,
                 "SELECT state, channel, COUNT(*) FROM messages WHERE updated_at >= ? AND "
                 "state NOT IN " +
                     OpenStatesSql() +
                     " GROUP BY state, channel "
                     "ORDER BY state, channel");
  q.Bind(1, now - kRecentSeconds);
  out.Family(
      "kehrbote_messages_recent", "gauge",
      "Messages whose final state (accepted, delivered, failed, ...) came in the last 24 h.");
  while (q.Step())
    out.Sample("kehrbote_messages_recent", {{"state", q.Text(0)}, {"channel", q.Text(1)}},
               static_cast<double>(q.Int(2)));
}

struct FirmFigures {
  std::map<std::string, int64_t> last_export;     // firm -> applied at
  std::map<std::string, int64_t> last_heartbeat;  // firm -> sent at
  std::set<std::string> heartbeat_failing;
  std::map<std::string, std::pair<int64_t, int64_t>> sms;  // firm -> count, segments
};

void ReadExports(SqlConnection& c, FirmFigures& f) {
  SqlStatement q(c, "SELECT id, last_export_at FROM firms WHERE last_export_at IS NOT NULL");
  while (q.Step()) f.last_export[q.Text(0)] = q.Int(1);
}

// The newest heartbeat day of each firm: when it went out, and whether a
// message of it failed or expired.
void ReadHeartbeats(SqlConnection& c, int64_t now, FirmFigures& f) {
  SqlStatement q(c,
                 "SELECT firm_id, MAX(sent_at), MAX(due_at), "
                 "MAX(CASE WHEN state IN " +
                     SqlList({MessageState::kFailed, MessageState::kExpired}) +
                     " THEN due_at END) FROM "
                     "messages WHERE rule_id = 'heartbeat' AND due_at >= ? GROUP BY firm_id");
  q.Bind(1, now - kHeartbeatWindowSeconds);
  while (q.Step()) {
    const std::string firm = q.Text(0);
    if (!q.IsNull(1)) f.last_heartbeat[firm] = q.Int(1);
    if (!q.IsNull(3) && q.Int(3) >= q.Int(2)) f.heartbeat_failing.insert(firm);
  }
}

// SMS sent this month per firm, one query per distinct zone of the firms
// (their months start at different instants).
void ReadSmsMonth(SqlConnection& c, const DispatcherConfig& config, Instant now, FirmFigures& f) {
  std::map<std::string, std::set<std::string>> firms_by_zone;
  for (const FirmConfig& firm : config.firms) firms_by_zone[firm.policy.timezone].insert(firm.id());
  for (const auto& [zone, firms] : firms_by_zone) {
    const MonthSpan month = LocalMonthOf(now, zone);
    SqlStatement q(c,
                   "SELECT firm_id, COUNT(*), COALESCE(SUM(segments), 0) FROM messages "
                   "WHERE channel = " +
                       SqlLiteral(ContactChannel::kSms) +
                       " AND sent_at >= ? AND sent_at < ? GROUP BY firm_id");
    q.BindAll(Secs(month.from), Secs(month.to));
    while (q.Step()) {
      std::string firm = q.Text(0);
      if (firms.count(firm)) f.sms[firm] = {q.Int(1), q.Int(2)};
    }
  }
}

int64_t OpenDeliveryAlerts(SqlConnection& c) {
  return QueryInt(c, "SELECT COUNT(*) FROM delivery_alerts WHERE reported_at IS NULL").value_or(0);
}

void WriteFirmFigures(const DispatcherConfig& config, int64_t now, const FirmFigures& f,
                      PrometheusText& out) {
  out.Family("kehrbote_firms", "gauge", "Firms configured.");
  out.Sample("kehrbote_firms", {}, static_cast<double>(config.firms.size()));
  out.Family("kehrbote_firm_last_export_age_seconds", "gauge",
             "Seconds since the firm's last applied export.");
  for (const FirmConfig& firm : config.firms)
    if (auto it = f.last_export.find(firm.id()); it != f.last_export.end())
      out.Sample("kehrbote_firm_last_export_age_seconds", {{"firm", firm.id()}},
                 static_cast<double>(now - it->second));
  out.Family("kehrbote_firm_last_heartbeat_age_seconds", "gauge",
             "Seconds since the firm's newest heartbeat went out (+Inf: none in 35 days).");
  for (const FirmConfig& firm : config.firms) {
    if (!f.last_export.count(firm.id())) continue;  // no export, no heartbeat
    auto it = f.last_heartbeat.find(firm.id());
    out.Sample("kehrbote_firm_last_heartbeat_age_seconds", {{"firm", firm.id()}},
               it == f.last_heartbeat.end() ? std::numeric_limits<double>::infinity()
                                            : static_cast<double>(now - it->second));
  }
  out.Family("kehrbote_firm_heartbeat_failing", "gauge",
             "1 if a message of the firm's newest heartbeat failed or expired.");
  for (const FirmConfig& firm : config.firms)
    if (f.last_export.count(firm.id()))
      out.Sample("kehrbote_firm_heartbeat_failing", {{"firm", firm.id()}},
                 f.heartbeat_failing.count(firm.id()) ? 1 : 0);
}

void WriteQuota(const DispatcherConfig& config, const FirmFigures& f, PrometheusText& out) {
  auto sms = [&](const FirmConfig& firm) {
    auto it = f.sms.find(firm.id());
    return it == f.sms.end() ? std::pair<int64_t, int64_t>{0, 0} : it->second;
  };
  out.Family("kehrbote_firm_sms_month", "gauge", "SMS sent this month (the firm's zone).");
  for (const FirmConfig& firm : config.firms)
    out.Sample("kehrbote_firm_sms_month", {{"firm", firm.id()}},
               static_cast<double>(sms(firm).first));
  out.Family("kehrbote_firm_sms_segments_month", "gauge", "SMS parts sent this month.");
  for (const FirmConfig& firm : config.firms)
    out.Sample("kehrbote_firm_sms_segments_month", {{"firm", firm.id()}},
               static_cast<double>(sms(firm).second));
  out.Family("kehrbote_firm_sms_quota", "gauge", "The firm's monthly SMS limit.");
  for (const FirmConfig& firm : config.firms)
    if (firm.quota_sms_per_month > 0)
      out.Sample("kehrbote_firm_sms_quota", {{"firm", firm.id()}},
                 static_cast<double>(firm.quota_sms_per_month));
  out.Family("kehrbote_firm_sms_quota_used_ratio", "gauge",
             "Share of the monthly SMS limit used (SMS or parts, whichever is higher).");
  for (const FirmConfig& firm : config.firms) {
    double ratio = 0;
    if (firm.quota_sms_per_month > 0)
      ratio = static_cast<double>(sms(firm).first) / static_cast<double>(firm.quota_sms_per_month);
    if (firm.quota_segments_per_month > 0)
      ratio = std::max(ratio, static_cast<double>(sms(firm).second) /
                                  static_cast<double>(firm.quota_segments_per_month));
    if (firm.quota_sms_per_month > 0 || firm.quota_segments_per_month > 0)
      out.Sample("kehrbote_firm_sms_quota_used_ratio", {{"firm", firm.id()}}, ratio);
  }
}

void WriteAlarms(const DispatcherConfig& config, int64_t now, const FirmFigures& f,
                 int64_t delivery_alerts, PrometheusText& out) {
  int64_t stale = 0;
  for (const auto& [firm, at] : f.last_export)
    if (config.FindFirm(firm) && now - at > config.alarm_after.count()) ++stale;
  out.Family("kehrbote_alarms_open", "gauge", "Open alarms by kind.");
  out.Sample("kehrbote_alarms_open", {{"kind", "stale_export"}}, static_cast<double>(stale));
  out.Sample("kehrbote_alarms_open", {{"kind", "heartbeat_failing"}},
             static_cast<double>(f.heartbeat_failing.size()));
  out.Sample("kehrbote_alarms_open", {{"kind", "firm_problem"}},
             static_cast<double>(config.firm_problems.size()));
  out.Sample("kehrbote_alarms_open", {{"kind", "delivery_alert"}},
             static_cast<double>(delivery_alerts));
}

}  // namespace

void WriteStoreMetrics(Database& db, const DispatcherConfig& config, Instant at,
                       PrometheusText& out) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t now = Secs(at);
  PooledConnection c = db.Connect();
  WriteOpenMessages(*c, now, out);
  WriteRecentMessages(*c, now, out);
  FirmFigures f;
  ReadExports(*c, f);
  ReadHeartbeats(*c, now, f);
  ReadSmsMonth(*c, config, at, f);
  const int64_t delivery_alerts = OpenDeliveryAlerts(*c);
  WriteFirmFigures(config, now, f, out);
  WriteQuota(config, f, out);
  WriteAlarms(config, now, f, delivery_alerts, out);
  out.Family("kehrbote_scrape_store_seconds", "gauge",
             "Time the store's queries of this scrape took.");
  out.Sample("kehrbote_scrape_store_seconds", {},
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace kehrbote
