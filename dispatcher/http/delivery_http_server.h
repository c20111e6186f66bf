// DeliveryHttpServer: the dispatcher's HTTP listener (Poco::Net::HTTPServer).
//
//   GET /dlr?token=T&status=%d&time=%T&answer=%A&id=%F   Kannel delivery receipt
//       The token (128 random bits, one per message) is the only key: a forged
//       token matches nothing, a replayed receipt finds the message final and
//       changes nothing (DeliveryStore::ApplyReceipt). Always answers 200, so a
//       prober learns nothing from the status; answers only once the receipt is
//       committed, in one transaction with the receipts other workers handed in
//       meanwhile (ReceiptWriter: one fsync for them all on SQLite).
//   GET /sms/incoming?from=%p&to=%P&text=%a[&key=K]       incoming SMS (replies)
//       With `reply_key` set, requests without the right key are refused (403).
//   GET /health                                            200 "ok"
//   GET /metrics                                           Prometheus text format
//       (settings.metrics_page; 404 without). Its figures: dispatcher/metrics/.
//       A final receipt's latency (sent_at to now) goes to settings.metrics.
// Transport: HttpListener (idle or slow clients cannot block receipts; one
// request per connection). Handlers run on its worker threads; the store is
// the only shared state. Start() throws HttpListenerError naming address, port
// and why when the port cannot be bound.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "dispatcher/http/http_listener.h"
#include "dispatcher/http/reply_handler.h"
#include "dispatcher/metrics/dispatcher_metrics.h"
#include "dispatcher/outbox/receipt_writer.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct HttpListenerSettings {
  std::string listen = "127.0.0.1";
  int port = 0;             // 0: any free port (see port())
  std::string reply_key;    // shared secret in Kannel's get-url; empty: none
  int threads = 4;             // workers answering complete requests
  int max_connections = 512;   // open connections still sending their request
  std::chrono::milliseconds head_timeout{5000};  // to send a whole request head
  // GET /metrics: the page (may throw DatabaseError: 503); unset: 404.
  std::function<std::string()> metrics_page;
  DispatcherMetrics* metrics = nullptr;  // receipt latencies; may be null
};

struct HttpCounters {
  std::atomic<int> receipts_applied{0};
  std::atomic<int> receipts_ignored{0};  // replays, unknown tokens, intermediate
  std::atomic<int> replies{0};
};

class DeliveryHttpServer {
 public:
  DeliveryHttpServer(Database& db, Clock& clock, HttpListenerSettings settings,
                     ReplyRouting routing);
  ~DeliveryHttpServer();

  void Start();
  void Stop();
  int port() const { return listener_ ? listener_->port() : 0; }
  const HttpCounters& counters() const { return *counters_; }
  // The receipts' group commits (transactions so far: groups()).
  const ReceiptWriter& receipts() const { return *receipts_; }

 private:
  Database& db_;
  Clock& clock_;
  HttpListenerSettings settings_;
  ReplyRouting routing_;
  std::shared_ptr<HttpCounters> counters_;
  std::shared_ptr<ReceiptWriter> receipts_;  // shared with the listener's workers
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace kehrbote
