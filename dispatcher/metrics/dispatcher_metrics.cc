#include "dispatcher/metrics/dispatcher_metrics.h"

#include <algorithm>

namespace kehrbote {
namespace {

std::string_view OutcomeName(SendStatus status) {
  switch (status) {
    case SendStatus::kAccepted:
      return "accepted";
    case SendStatus::kTransient:
      return "transient";
    case SendStatus::kPermanent:
      return "permanent";
  }
  return "transient";
}

}  // namespace

const std::vector<double>& DispatcherMetrics::ReceiptLatencyBounds() {
  static const std::vector<double> bounds = {1,   5,    15,   30,   60,    120,  300,
                                             600, 1800, 3600, 7200, 21600, 86400};
  return bounds;
}

void DispatcherMetrics::RecordPass(const PassParts& parts) {
  std::lock_guard<std::mutex> lock(mu_);
  ++passes_;
  last_pass_.clear();
  for (const auto& [part, seconds] : parts) {
    last_pass_[part] = seconds;
    pass_totals_[part] += seconds;
  }
  last_pass_["ingest"] = pending_ingest_;
  pass_totals_["ingest"] += pending_ingest_;
  pending_ingest_ = 0;
}

void DispatcherMetrics::RecordIngest(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ingest_ += seconds;
}

void DispatcherMetrics::RecordSend(const std::string& provider, const std::string& channel,
                                   SendStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++sends_[{provider, channel, std::string(OutcomeName(status))}];
}

void DispatcherMetrics::RecordReceiptLatency(double seconds) {
  const std::vector<double>& bounds = ReceiptLatencyBounds();
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  std::lock_guard<std::mutex> lock(mu_);
  ++latency_counts_[bucket];
  latency_sum_ += seconds;
}

void DispatcherMetrics::WriteTo(PrometheusText& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  out.Family("kehrbote_passes_total", "counter", "Passes run by this process.");
  out.Sample("kehrbote_passes_total", {}, static_cast<double>(passes_));
  out.Family("kehrbote_pass_duration_seconds", "gauge",
             "The last pass and its parts (pull includes ingest; pull and plan overlap).");
  for (const auto& [part, seconds] : last_pass_)
    out.Sample("kehrbote_pass_duration_seconds", {{"part", part}}, seconds);
  out.Family("kehrbote_pass_seconds_total", "counter", "Seconds spent in passes, by part.");
  for (const auto& [part, seconds] : pass_totals_)
    out.Sample("kehrbote_pass_seconds_total", {{"part", part}}, seconds);
  out.Family("kehrbote_sends_total", "counter",
             "Send attempts by provider, channel and outcome (accepted, transient, permanent).");
  for (const auto& [key, n] : sends_)
    out.Sample("kehrbote_sends_total",
               {{"provider", key[0]}, {"channel", key[1]}, {"outcome", key[2]}},
               static_cast<double>(n));
  out.Family("kehrbote_receipt_latency_seconds", "histogram",
             "From handing an SMS to the gateway to its final delivery receipt.");
  out.Histogram("kehrbote_receipt_latency_seconds", {}, ReceiptLatencyBounds(), latency_counts_,
                latency_sum_);
}

}  // namespace kehrbote
