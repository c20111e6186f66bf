// metrics_bench: what a Prometheus scrape of GET /metrics costs the store with
// 1,000 firms on SQLite: the six aggregate queries of WriteStoreMetrics and the
// text they become (the process's own counters cost nothing measurable).
//
// Store: 1,000 firms (every 50th with a stale export), 1,000 messages per firm
// (1,000,000 rows: a year of history, due from 351 days ago to 14 days ahead;
// the past ones delivered, accepted, failed or expired with sent_at, the coming
// ones planned or held; every 10th a heartbeat, every 3rd an e-mail), an open
// delivery alert at every 20th firm. Prints the median and the worst of
// 20 scrapes after one warm-up.
//   cmake --build build --target metrics_bench && build/bench/metrics_bench [DB-FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "dispatcher/metrics/store_metrics.h"
#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/store_schema.h"
#include "tests/support/temp_dir.h"

using namespace kehrbote;

namespace {

constexpr int kFirms = 1000;
constexpr int kMessagesPerFirm = 1000;

void Fill(Database& db, int64_t t) {
  const std::string T = std::to_string(t);
  // Due times spread over a year, the last 14 days of it still to come.
  const std::string due = T + " - 86400 * 351 + (i / 1000) * 31536";
  const std::string coming = "(i / 1000) >= 961";
  db.InTransaction([&](SqlConnection& c) {
    c.Execute("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
              std::to_string(kFirms - 1) +
              ") INSERT INTO firms (id, name, timezone, country, last_export_at) "
              "SELECT printf('firm%04d', i), printf('Rauchfangkehrer %04d', i), 'Europe/Vienna', "
              "'AT', CASE WHEN i % 50 = 0 THEN " +
              T + " - 4 * 86400 ELSE " + T + " - 3600 END FROM n");
    c.Execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kFirms * kMessagesPerFirm - 1) +
        ") INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
        "purpose, channel, contact_key, recipient, body, segments, due_at, deadline_at, "
        "state, "
        "created_at, updated_at, sent_at, final_at) "
        "SELECT printf('firm%04d', i % 1000), 'A' || (i / 1000), 1, "
        "CASE WHEN i % 10 = 0 THEN 'heartbeat' ELSE 'r1' END, "
        "CASE WHEN i % 10 = 0 THEN 'heartbeat' ELSE 'reminder' END, "
        "CASE WHEN i % 3 = 0 THEN 'email' ELSE 'sms' END, "
        "'+43664' || i, '+43664' || i, 'Text', 1, " +
        due + ", " + due +
        " + 86400, "
        "CASE WHEN " +
        coming +
        " THEN (CASE WHEN i % 7 = 3 THEN 'held' ELSE 'planned' END) "
        "ELSE (CASE i % 4 WHEN 0 THEN 'delivered' WHEN 1 THEN 'accepted' WHEN 2 THEN 'failed' "
        "ELSE 'expired' END) END, " +
        due + ", " + due +
        ", "
        "CASE WHEN NOT " +
        coming + " THEN " + due +
        " END, "
        "CASE WHEN NOT " +
        coming + " AND i % 4 <> 1 THEN " + due + " END FROM n");
    c.Execute(
        "INSERT INTO delivery_alerts (firm_id, kind, text, created_at) "
        "SELECT id, 'quota', 'Kontingent', " +
        T + " FROM firms WHERE CAST(substr(id, 5) AS INTEGER) % 20 = 0");
  });
}

DispatcherConfig Firms() {
  DispatcherConfig c;
  char id[16];
  for (int i = 0; i < kFirms; ++i) {
    std::snprintf(id, sizeof id, "firm%04d", i);
    FirmConfig f;
    f.policy.firm_id = id;
    f.policy.timezone = "Europe/Vienna";
    if (i % 4 == 0) f.quota_sms_per_month = 500;
    c.firms.push_back(f);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  test::TempDir dir("kehrbote-metrics-bench-");
  auto db =
      Database::Open("sqlite:" + (argc > 1 ? std::string(argv[1]) : dir.Sub("dispatcher.db")));
  MigrateStore(*db);
  PlanStore(*db).Migrate();
  db->Migrate(kDeliveryComponent, DeliveryMigrations());
  MigrateStoreMetrics(*db);
  SystemClock clock;
  Fill(*db, clock.Now().time_since_epoch().count());
  const DispatcherConfig config = Firms();
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int i = 0; i < 21; ++i) {
    PrometheusText text;
    const auto start = std::chrono::steady_clock::now();
    WriteStoreMetrics(*db, config, clock.Now(), text);
    const double took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    bytes = text.text().size();
    if (i > 0) ms.push_back(took);  // the first warms the caches
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "metrics_bench: %d firms, %d messages, page %zu bytes: median %.1f ms, worst %.1f ms "
      "(20 scrapes of the store's figures, SQLite)\n",
      kFirms, kFirms * kMessagesPerFirm, bytes, ms[ms.size() / 2], ms.back());
  return 0;
}
