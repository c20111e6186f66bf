// StoreMetrics: the figures /metrics reads from the store at scrape time.
//
//   kehrbote_messages{state,channel}        open messages (planned, sending, held)
//   kehrbote_messages_recent{state,channel} messages that reached a final state
//                                           (accepted, delivered, failed, ...) in
//                                           the last 24 h
//   kehrbote_queue_messages{queue}          due (planned, due now or its retry
//                                           time passed: what a claim takes), retrying
//                                           (planned after a failed attempt), held,
//                                           sending
//   kehrbote_firms                          firms configured
//   kehrbote_firm_last_export_age_seconds{firm}     since the last applied export
//                                           (firms that never uploaded: none)
//   kehrbote_firm_last_heartbeat_age_seconds{firm}  since the newest heartbeat was
//                                           handed to its gateway (+Inf: none in
//                                           the last 35 days)
//   kehrbote_firm_heartbeat_failing{firm}   1 if a message of the firm's newest
//                                           heartbeat failed or expired
//   kehrbote_alarms_open{kind}              stale_export (export older than
//                                           alarm_after), heartbeat_failing,
//                                           firm_problem (firm files not used),
//                                           delivery_alert (not yet reported)
//   kehrbote_firm_sms_month{firm}, kehrbote_firm_sms_segments_month{firm}
//                                           SMS and parts sent this month (the
//                                           firm's zone), as its quota counts them
//   kehrbote_firm_sms_quota{firm}, kehrbote_firm_sms_quota_used_ratio{firm}
//                                           the monthly SMS limit and the share used
//                                           (firms with a limit only)
//   kehrbote_scrape_store_seconds           what these queries took
//
// Cost: six aggregate queries, whatever the number of firms; the per-firm ones
// read the partial indexes of the "metrics" migrations (heartbeats by firm and
// due time, SMS by send time, messages by update time, open messages by state).
// Measured (metrics_bench): docs/partner-guide.md#monitoring.
// Threads: any thread; each call takes its own pooled connection.
#pragma once

#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/metrics/prometheus_text.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

inline constexpr const char* kMetricsComponent = "metrics";
// The indexes the queries need; run after the planning and delivery migrations.
const std::vector<Migration>& StoreMetricsMigrations();
// Database::Migrate("metrics", StoreMetricsMigrations()).
void MigrateStoreMetrics(Database& db);

// Appends the store's figures at `now` for the firms of `config`. Throws
// DatabaseError (the listener answers 503).
void WriteStoreMetrics(Database& db, const DispatcherConfig& config, Instant now,
                       PrometheusText& out);

}  // namespace kehrbote
