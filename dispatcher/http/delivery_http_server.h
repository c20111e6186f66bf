// DeliveryHttpServer: the dispatcher's HTTP listener (Poco::Net::HTTPServer).
//
//   GET /dlr?token=T&status=%d&time=%T&answer=%A&id=%F   Kannel delivery receipt
//       The token (128 random bits, one per message) is the only key: a forged
//       token matches nothing, a replayed receipt finds the message final and
//       changes nothing (DeliveryStore::ApplyReceipt). Always answers 200, so a
//       prober learns nothing from the status.
//   GET /sms/incoming?from=%p&to=%P&text=%a[&key=K]       incoming SMS (replies)
//       With `reply_key` set, requests without the right key are refused (403).
//   GET /health                                            200 "ok"
// Handlers run on the server's thread pool; the store is the only shared state.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "dispatcher/http/reply_handler.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace Poco::Net {
class HTTPServer;
}

namespace kehrbote {

struct HttpListenerSettings {
  std::string listen = "127.0.0.1";
  int port = 0;             // 0: any free port (see port())
  std::string reply_key;    // shared secret in Kannel's get-url; empty: none
  int threads = 16;
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
  int port() const { return port_; }
  const HttpCounters& counters() const { return *counters_; }

 private:
  Database& db_;
  Clock& clock_;
  HttpListenerSettings settings_;
  ReplyRouting routing_;
  int port_ = 0;
  std::shared_ptr<HttpCounters> counters_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace kehrbote
