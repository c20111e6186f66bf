// WriteStoreMetrics on both engines: a known store (open, due, retrying and
// held messages, heartbeats delivered and failed, SMS of this month, an open
// delivery alert) gives the figures /metrics shows.
#include "dispatcher/metrics/store_metrics.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/store_schema.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

constexpr int64_t kNow = 1'796'000'000;  // 2026-11-29T01:53:20+01:00

struct StoredMessage {
  const char* firm;
  const char* rule;  // "heartbeat" makes it a heartbeat
  const char* state;
  int64_t due;
  std::optional<int64_t> sent;
  int64_t attempts = 0;
  int64_t segments = 1;
};

class StoreMetricsTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  StoreMetricsTest() : fresh_(GetParam()) {
    Database& db = fresh_.db();
    MigrateStore(db);
    PlanStore(db).Migrate();
    db.Migrate(kDeliveryComponent, DeliveryMigrations());
    MigrateStoreMetrics(db);
    for (const char* firm : {"huber", "maier"}) {
      FirmConfig f;
      f.policy.firm_id = firm;
      f.policy.timezone = "Europe/Vienna";
      config_.firms.push_back(f);
    }
    config_.firms[0].quota_sms_per_month = 10;
  }

  void AddFirm(const char* id, int64_t exported) {
    Execute(*fresh_.db().Connect(),
            "INSERT INTO firms (id, name, timezone, country, last_export_at) "
            "VALUES (?, ?, 'Europe/Vienna', 'AT', ?)",
            id, id, exported);
  }
  void AddMessage(const StoredMessage& m) {
    const std::string appointment = "A" + std::to_string(++appointments_);
    const std::string purpose = std::string(m.rule) == "heartbeat" ? "heartbeat" : "reminder";
    Execute(*fresh_.db().Connect(),
            "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
            "purpose, channel, contact_key, recipient, body, segments, attempts, due_at, "
            "deadline_at, state, created_at, updated_at, sent_at) "
            "VALUES (?, ?, 1, ?, ?, 'sms', 'k', 'k', 'x', ?, ?, ?, ?, ?, ?, ?, ?)",
            m.firm, appointment, m.rule, purpose, m.segments, m.attempts, m.due, m.due + 86400,
            m.state, m.due, kNow - 60, m.sent);
  }
  std::string Scrape() {
    PrometheusText text;
    WriteStoreMetrics(fresh_.db(), config_, Instant(std::chrono::seconds(kNow)), text);
    return text.text();
  }

  test::FreshDatabase fresh_;
  DispatcherConfig config_;
  int appointments_ = 0;
};

TEST_P(StoreMetricsTest, FiguresOfAKnownStore) {
  AddFirm("huber", kNow - 3600);
  AddFirm("maier", kNow - int64_t{27} * 3600);                      // older than alarm_after (26 h)
  AddMessage({"huber", "r1", "planned", kNow - 60, std::nullopt});  // due
  AddMessage({"huber", "r1", "planned", kNow + 3600, std::nullopt, 1});  // retrying
  AddMessage({"huber", "r1", "held", kNow - 60, std::nullopt});
  AddMessage({"huber", "r1", "accepted", kNow - 600, kNow - 600, 0, 2});  // 2 parts
  AddMessage({"huber", "heartbeat", "delivered", kNow - 7200, kNow - 7200});
  AddMessage({"maier", "heartbeat", "failed", kNow - 3600, std::nullopt});
  Execute(*fresh_.db().Connect(),
          "INSERT INTO delivery_alerts (firm_id, kind, text, created_at) "
          "VALUES ('maier', 'quota', 'x', ?)",
          kNow);

  const std::string text = Scrape();
  for (const char* line : {
           "kehrbote_messages{state=\"planned\",channel=\"sms\"} 2\n",
           "kehrbote_messages{state=\"held\",channel=\"sms\"} 1\n",
           "kehrbote_queue_messages{queue=\"due\"} 1\n",
           "kehrbote_queue_messages{queue=\"retrying\"} 1\n",
           "kehrbote_queue_messages{queue=\"held\"} 1\n",
           "kehrbote_messages_recent{state=\"accepted\",channel=\"sms\"} 1\n",
           "kehrbote_messages_recent{state=\"failed\",channel=\"sms\"} 1\n",
           "kehrbote_firms 2\n",
           "kehrbote_firm_last_export_age_seconds{firm=\"huber\"} 3600\n",
           "kehrbote_firm_last_heartbeat_age_seconds{firm=\"huber\"} 7200\n",
           "kehrbote_firm_last_heartbeat_age_seconds{firm=\"maier\"} +Inf\n",
           "kehrbote_firm_heartbeat_failing{firm=\"huber\"} 0\n",
           "kehrbote_firm_heartbeat_failing{firm=\"maier\"} 1\n",
           "kehrbote_firm_sms_month{firm=\"huber\"} 2\n",
           "kehrbote_firm_sms_segments_month{firm=\"huber\"} 3\n",
           "kehrbote_firm_sms_month{firm=\"maier\"} 0\n",
           "kehrbote_firm_sms_quota_used_ratio{firm=\"huber\"} 0.2\n",
           "kehrbote_alarms_open{kind=\"stale_export\"} 1\n",
           "kehrbote_alarms_open{kind=\"heartbeat_failing\"} 1\n",
           "kehrbote_alarms_open{kind=\"delivery_alert\"} 1\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
}

INSTANTIATE_TEST_SUITE_P(Dialects, StoreMetricsTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
