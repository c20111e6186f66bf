// DispatcherMetrics: the figures the dispatcher process counts itself, for
// GET /metrics (the store's figures are read at scrape time: store_metrics.h).
//
//   kehrbote_passes_total                          passes run
//   kehrbote_pass_duration_seconds{part}           the last pass: total, pull
//                                                  (with ingest), ingest, plan,
//                                                  heartbeat, send (0 in `run`,
//                                                  whose delivery lane sends
//                                                  beside the passes)
//   kehrbote_pass_seconds_total{part}              the same, summed over passes
//   kehrbote_sends_total{provider,channel,outcome} channel attempts: accepted,
//                                                  transient, permanent
//   kehrbote_receipt_latency_seconds               histogram: SMS handed to the
//                                                  gateway until its final receipt
//
// Counters start at zero with the process (Prometheus' rate() handles restarts).
// Threads: every method may be called from any thread at the same time.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/metrics/prometheus_text.h"

namespace kehrbote {

// Seconds per part of one pass, e.g. {{"total", 1.2}, {"pull", 0.8}, ...}.
using PassParts = std::vector<std::pair<std::string, double>>;

class DispatcherMetrics {
 public:
  // Upper bounds of the receipt latency buckets, in seconds (1 s to 1 day).
  static const std::vector<double>& ReceiptLatencyBounds();

  void RecordPass(const PassParts& parts);
  // The ingest share of the pull (InboxPoller's applying of exports); it
  // arrives from the puller during the pass, before RecordPass.
  void RecordIngest(double seconds);
  void RecordSend(const std::string& provider, const std::string& channel, SendStatus status);
  void RecordReceiptLatency(double seconds);

  void WriteTo(PrometheusText& out) const;

 private:
  mutable std::mutex mu_;
  int64_t passes_ = 0;
  double pending_ingest_ = 0;                          // of the pass running
  std::map<std::string, double> last_pass_;            // part -> seconds
  std::map<std::string, double> pass_totals_;          // part -> seconds
  std::map<std::vector<std::string>, int64_t> sends_;  // provider, channel, outcome
  std::vector<uint64_t> latency_counts_ = std::vector<uint64_t>(ReceiptLatencyBounds().size() + 1);
  double latency_sum_ = 0;
};

}  // namespace kehrbote
