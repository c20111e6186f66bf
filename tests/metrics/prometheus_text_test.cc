#include "dispatcher/metrics/prometheus_text.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dispatcher/metrics/dispatcher_metrics.h"

namespace kehrbote {
namespace {

TEST(PrometheusTextTest, FamilyAndSamplesWithEscapedLabels) {
  PrometheusText t;
  t.Family("kehrbote_x", "gauge", "Help with \\ and\nnewline.");
  t.Sample("kehrbote_x", {{"firm", "a\"b\\c\nd"}, {"kind", "k"}}, 3);
  t.Sample("kehrbote_x", {}, 0.25);
  EXPECT_EQ(t.text(),
            "# HELP kehrbote_x Help with \\\\ and\\nnewline.\n"
            "# TYPE kehrbote_x gauge\n"
            "kehrbote_x{firm=\"a\\\"b\\\\c\\nd\",kind=\"k\"} 3\n"
            "kehrbote_x 0.25\n");
}

TEST(PrometheusTextTest, ValuesInTheFormatsTheParsersRead) {
  EXPECT_EQ(PrometheusText::FormatValue(1234567890123), "1234567890123");
  EXPECT_EQ(PrometheusText::FormatValue(-2), "-2");
  EXPECT_EQ(PrometheusText::FormatValue(0.1), "0.1");
  EXPECT_EQ(PrometheusText::FormatValue(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(PrometheusText::FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PrometheusText::FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(PrometheusText::FormatValue(std::nan("")), "NaN");
}

TEST(PrometheusTextTest, HistogramBucketsAreCumulative) {
  PrometheusText t;
  t.Histogram("h", {{"a", "b"}}, {1, 10}, {2, 0, 5}, 99.5);
  EXPECT_EQ(t.text(),
            "h_bucket{a=\"b\",le=\"1\"} 2\n"
            "h_bucket{a=\"b\",le=\"10\"} 2\n"
            "h_bucket{a=\"b\",le=\"+Inf\"} 7\n"
            "h_sum{a=\"b\"} 99.5\n"
            "h_count{a=\"b\"} 7\n");
}

TEST(DispatcherMetricsTest, CountsPassesSendsAndLatencies) {
  DispatcherMetrics m;
  m.RecordIngest(0.5);
  m.RecordPass({{"total", 2}, {"pull", 1}});
  m.RecordPass({{"total", 1}, {"pull", 1}});
  m.RecordSend("kannel", "sms", SendStatus::kAccepted);
  m.RecordSend("kannel", "sms", SendStatus::kTransient);
  m.RecordSend("kannel", "sms", SendStatus::kTransient);
  m.RecordReceiptLatency(1);   // le="1"
  m.RecordReceiptLatency(42);  // le="60"
  PrometheusText t;
  m.WriteTo(t);
  const std::string& s = t.text();
  EXPECT_NE(s.find("kehrbote_passes_total 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("kehrbote_pass_duration_seconds{part=\"total\"} 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("kehrbote_pass_duration_seconds{part=\"ingest\"} 0\n"), std::string::npos) << s;
  EXPECT_NE(s.find("kehrbote_pass_seconds_total{part=\"ingest\"} 0.5\n"), std::string::npos) << s;
  EXPECT_NE(s.find("kehrbote_pass_seconds_total{part=\"total\"} 3\n"), std::string::npos) << s;
  EXPECT_NE(
      s.find("kehrbote_sends_total{provider=\"kannel\",channel=\"sms\",outcome=\"transient\"} 2\n"),
      std::string::npos)
      << s;
  EXPECT_NE(s.find("kehrbote_receipt_latency_seconds_bucket{le=\"1\"} 1\n"), std::string::npos)
      << s;
  EXPECT_NE(s.find("kehrbote_receipt_latency_seconds_bucket{le=\"30\"} 1\n"), std::string::npos)
      << s;
  EXPECT_NE(s.find("kehrbote_receipt_latency_seconds_bucket{le=\"60\"} 2\n"), std::string::npos)
      << s;
  EXPECT_NE(s.find("kehrbote_receipt_latency_seconds_sum 43\n"), std::string::npos) << s;
}

}  // namespace
}  // namespace kehrbote
