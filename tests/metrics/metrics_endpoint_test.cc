// GET /metrics on the dispatcher's real HTTP listener after a known pass on a
// real store: SMS through a loopback REST gateway (one accepted, one refused
// with 503), e-mail through the real SMTP test server (aiosmtpd), a delivery
// receipt through GET /dlr. The page is parsed with python3-prometheus-client's
// text parser (tests/metrics/scrape_metrics.py) and its figures checked.
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/delivery/delivery_runtime.h"
#include "dispatcher/http/http_listener.h"
#include "dispatcher/metrics/dispatcher_metrics.h"
#include "dispatcher/store/database.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/child_process.h"
#include "tests/support/smtp_server.h"
#include "tests/support/tcp_port.h"

namespace kehrbote {
namespace {

using test::At;

// A REST SMS gateway on loopback (GET, as HttpSmsChannel may use it): accepts
// numbers ending in 1, answers 503 to the others; keeps the tokens it saw.
class FakeGateway {
 public:
  FakeGateway() {
    HttpListenerOptions o;
    o.port = 0;
    listener_ = std::make_unique<HttpListener>(o, [this](const HttpRequestHead& head) {
      std::lock_guard<std::mutex> lock(mu_);
      const size_t t = head.target.find("token=");
      if (head.target.find("to=436641111111") == std::string::npos)
        return HttpAnswer{503, "busy\n"};
      tokens_.push_back(head.target.substr(t + 6));
      return HttpAnswer{200, "ok\n"};
    });
    listener_->Start();
  }
  int port() const { return listener_->port(); }
  std::vector<std::string> tokens() {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> tokens_;
  std::unique_ptr<HttpListener> listener_;
};

// Sample key ("name{labels}") -> value, as scrape_metrics.py prints them.
std::map<std::string, std::string> Scrape(int port, std::string* raw) {
  test::CommandResult r = test::RunCommand(
      {"/usr/bin/python3", std::string(KEHRBOTE_SOURCE_DIR) + "/tests/metrics/scrape_metrics.py",
       "http://127.0.0.1:" + std::to_string(port) + "/metrics"},
      std::chrono::seconds(30));
  *raw = r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(MetricsEndpointTest, FiguresOfAKnownPassParseWithPrometheusClient) {
  test::AppEnv env;
  test::SmtpServer smtp;
  smtp.Start();
  FakeGateway gateway;
  const int http_port = test::FreeTcpPort();
  env.WriteConfig("http: {listen: 127.0.0.1, port: " + std::to_string(http_port) + "}\n" +
                  "delivery:\n"
                  "  sms:\n"
                  "    provider: http\n"
                  "    http: {method: GET, url: \"http://127.0.0.1:" +
                  std::to_string(gateway.port()) +
                  "/send?to={{to_digits}}&token={{token}}\", body: \"\"}\n"
                  "  smtp: {host: localhost, port: " +
                  std::to_string(smtp.port()) + ", ca_file: \"" + smtp.ca_file() +
                  "\", from: erinnerung@kehrbote.example.at}\n"
                  "  retry: {base: 1h, max: 2h}\n");  // no retry due at the scrape
  const std::string rules =
      "rules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
      "  - {name: mail-1d, channel: email, lead: 1d}\n";
  env.Write("firms.d/huber.yaml",
            "id: huber\nsender_name: RFK Huber\nquota: {sms_per_month: 10}\n" + rules);
  env.Write("firms.d/gruber.yaml", "id: gruber\nsender_name: RFK Gruber\n" + rules);
  const Instant now = At("2026-11-23T10:00:00+01:00");
  auto db = Database::Open(env.store_url());
  DispatcherConfig config = LoadDispatcherConfig(env.config_path());
  DispatcherApp app(config, *db);
  app.Migrate();
  // huber: today's export; two SMS (one the gateway refuses) and one e-mail due
  // now (lead 1d before tomorrow 09:00), and its heartbeat to the office.
  ASSERT_EQ(
      env.Ingest(*db, "huber", now - std::chrono::hours{1},
                 {test::MakeAppt("A1", "2026-11-24", 9, 0, {test::SmsContact("0664 1111111")}),
                  test::MakeAppt("A2", "2026-11-24", 9, 30, {test::SmsContact("0664 2222222")}),
                  test::MakeAppt("A3", "2026-11-24", 10, 0, {test::MailContact("a@example.at")})},
                 {{ContactChannel::kEmail, "buero@huber.example.at"}})
          .outcome,
      IngestOutcome::kApplied);
  // gruber: the last export is 30 h old (alarm_after 26 h): a stale export.
  ASSERT_EQ(env.Ingest(*db, "gruber", now - std::chrono::hours{30}, {}).outcome,
            IngestOutcome::kApplied);

  ManualClock clock(now);
  DispatcherMetrics metrics;
  std::ostringstream log;
  Logger logger(std::make_shared<StreamLogSink>(log));
  DeliveryRuntime delivery(config, *db, clock, logger, &metrics);
  delivery.Migrate();
  app.set_sender([&](Instant at) { return delivery.SendDue(at); });
  delivery.StartHttp();
  PassResult pass = app.RunPass(now, /*full=*/true);
  metrics.RecordPass(pass.seconds.Parts());
  ASSERT_EQ(gateway.tokens().size(), 1u) << log.str();

  // The accepted SMS's final receipt arrives 42 s after it was sent.
  clock.Set(now + std::chrono::seconds{42});
  test::CommandResult dlr =
      test::RunCommand({"curl", "-sf",
                        "http://127.0.0.1:" + std::to_string(http_port) +
                            "/dlr?token=" + gateway.tokens()[0] + "&status=1"});
  ASSERT_EQ(dlr.exit_code, 0) << dlr.output;

  std::string raw;
  std::map<std::string, std::string> m = Scrape(http_port, &raw);
  EXPECT_NE(raw.find("# content-type text/plain; version=0.0.4"), std::string::npos) << raw;
  auto expect = [&](const std::string& key, const std::string& value) {
    EXPECT_EQ(m[key], value) << key << "\n" << raw << log.str();
  };
  // Sends and failures by provider.
  expect("kehrbote_sends_total{channel=\"sms\",outcome=\"accepted\",provider=\"http\"}", "1.0");
  expect("kehrbote_sends_total{channel=\"sms\",outcome=\"transient\",provider=\"http\"}", "1.0");
  expect("kehrbote_sends_total{channel=\"email\",outcome=\"accepted\",provider=\"smtp\"}", "2.0");
  // Messages by state and channel; the refused SMS waits for its retry.
  expect("kehrbote_messages{channel=\"sms\",state=\"planned\"}", "1.0");
  expect("kehrbote_queue_messages{queue=\"retrying\"}", "1.0");
  expect("kehrbote_queue_messages{queue=\"due\"}", "0.0");
  expect("kehrbote_messages_recent{channel=\"sms\",state=\"delivered\"}", "1.0");
  expect("kehrbote_messages_recent{channel=\"email\",state=\"accepted\"}", "2.0");
  // Receipt latency: 42 s, in the 60 s bucket and not the 30 s one.
  expect("kehrbote_receipt_latency_seconds_bucket{le=\"30\"}", "0.0");
  expect("kehrbote_receipt_latency_seconds_bucket{le=\"60\"}", "1.0");
  expect("kehrbote_receipt_latency_seconds_count{}", "1.0");
  expect("kehrbote_receipt_latency_seconds_sum{}", "42.0");
  // Pass and its parts.
  expect("kehrbote_passes_total{}", "1.0");
  for (const char* part : {"total", "pull", "ingest", "plan", "heartbeat", "send"})
    EXPECT_TRUE(m.count("kehrbote_pass_duration_seconds{part=\"" + std::string(part) + "\"}"))
        << part << "\n"
        << raw;
  // Per firm: export and heartbeat ages, quota.
  expect("kehrbote_firms{}", "2.0");
  expect("kehrbote_firm_last_export_age_seconds{firm=\"huber\"}", "3642.0");
  expect("kehrbote_firm_last_export_age_seconds{firm=\"gruber\"}", "108042.0");
  expect("kehrbote_firm_last_heartbeat_age_seconds{firm=\"huber\"}", "42.0");
  expect("kehrbote_firm_last_heartbeat_age_seconds{firm=\"gruber\"}", "inf");
  expect("kehrbote_firm_heartbeat_failing{firm=\"huber\"}", "0.0");
  expect("kehrbote_firm_sms_month{firm=\"huber\"}", "1.0");
  expect("kehrbote_firm_sms_quota{firm=\"huber\"}", "10.0");
  expect("kehrbote_firm_sms_quota_used_ratio{firm=\"huber\"}", "0.1");
  // Open alarms: gruber's stale export.
  expect("kehrbote_alarms_open{kind=\"stale_export\"}", "1.0");
  expect("kehrbote_alarms_open{kind=\"firm_problem\"}", "0.0");
}

}  // namespace
}  // namespace kehrbote
