// PrometheusText: writes metrics in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Why written out and not prometheus-cpp (Debian 12 has prometheus-cpp-dev 1.0):
// its pull part serves metrics with its own civetweb HTTP server on a port of
// its own, one thread per connection, while the dispatcher answers Kannel's
// receipts on HttpListener (dispatcher/http/http_listener.h), which exists
// because a thread-per-connection server let idle clients block the receipts.
// Its core keeps live metric objects, but most of the dispatcher's figures are
// read from the store at scrape time (store_metrics.h) and would have to be
// copied into such objects on every scrape. What remains is a few lines of
// formatting and escaping, here.
//
// Core: pure, no I/O. Not thread-safe (one writer per scrape).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kehrbote {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram).
  // Every sample of a family follows its Family line, before the next family.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // name{k="v",...} value
  void Sample(std::string_view name, const MetricLabels& labels, double value);
  // A histogram's samples: name_bucket{...,le="b"} (cumulative, then le="+Inf"),
  // name_sum and name_count. `counts[i]` is the number of observations in
  // (bounds[i-1], bounds[i]], counts.back() those above the last bound.
  void Histogram(std::string_view name, const MetricLabels& labels,
                 const std::vector<double>& bounds, const std::vector<uint64_t>& counts,
                 double sum);

  const std::string& text() const { return out_; }

  // A label value: backslash, double quote and line feed escaped.
  static std::string EscapeLabelValue(std::string_view value);
  // A sample value: integers exactly, others in the fewest digits (15 to 17)
  // that read back as the same double; "NaN", "+Inf", "-Inf".
  static std::string FormatValue(double value);

 private:
  std::string out_;
};

}  // namespace kehrbote
