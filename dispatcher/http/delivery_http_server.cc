#include "dispatcher/http/delivery_http_server.h"

#include <map>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/receipt_writer.h"
#include "dispatcher/sms/url_encoding.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/log/logger.h"

namespace kehrbote {
namespace {

std::map<std::string, std::string> ParseQuery(const std::string& uri) {
  std::map<std::string, std::string> out;
  auto q = uri.find('?');
  if (q == std::string::npos) return out;
  std::string query = uri.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(pos, amp - pos);
    auto eq = pair.find('=');
    if (!pair.empty()) {
      std::string key = PercentDecode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
      out.emplace(key, value);
    }
    pos = amp + 1;
  }
  return out;
}

std::string PathOf(const std::string& uri) {
  auto q = uri.find('?');
  return q == std::string::npos ? uri : uri.substr(0, q);
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Answers one request; runs on the listener's worker threads.
class Router {
 public:
  Router(Database& db, Clock& clock, const HttpListenerSettings& settings,
         const ReplyRouting& routing, std::shared_ptr<HttpCounters> counters,
         std::shared_ptr<ReceiptWriter> receipts)
      : db_(db),
        clock_(clock),
        settings_(settings),
        routing_(routing),
        counters_(std::move(counters)),
        receipts_(std::move(receipts)) {}

  HttpAnswer operator()(const HttpRequestHead& request) const {
    std::string path = PathOf(request.target);
    auto q = ParseQuery(request.target);
    try {
      if (path == "/health") return {200, "ok\n"};
      if (path == "/metrics" && settings_.metrics_page)
        return {200, settings_.metrics_page(), "text/plain; version=0.0.4; charset=utf-8"};
      if (path == "/dlr") {
        int status = 0;
        try {
          status = std::stoi(q["status"]);
        } catch (...) {
          status = 0;
        }
        // Answered only once the receipt is committed, with those of the other
        // workers that came meanwhile (one fsync for all on SQLite).
        ReceiptResult r =
            receipts_->Apply({q["token"], status, q["answer"], q["id"], clock_.Now()});
        if (r == ReceiptResult::kApplied) {
          ++counters_->receipts_applied;
          RecordLatency(q["token"]);
        } else {
          ++counters_->receipts_ignored;
        }
        if (r == ReceiptResult::kUnknownToken)
          Log("http").Warning("receipt with unknown token from " + request.peer + " ignored");
        return {200, "ok\n"};
      }
      if (path == "/sms/incoming") {
        if (!settings_.reply_key.empty() && !ConstantTimeEquals(q["key"], settings_.reply_key))
          return {403, "forbidden\n"};
        ReplyHandler handler(db_, clock_, routing_);
        handler.Handle(q["from"], q["to"], q["text"]);
        ++counters_->replies;
        // Empty body: Kannel sends no answer SMS (max-messages = 0).
        return {200, ""};
      }
      return {404, "not found\n"};
    } catch (const std::exception& e) {
      Log("http").Error(path + ": " + e.what());
      // 503: Kannel retries nothing, but a store outage is visible in its log.
      return {503, "store error\n"};
    }
  }

 private:
  // The final receipt of the message with `token` came now: its latency from
  // the hand-over to the gateway (sent_at) into the metrics.
  void RecordLatency(const std::string& token) const {
    if (!settings_.metrics) return;
    std::optional<int64_t> sent_at =
        QueryInt(*db_.Connect(), "SELECT sent_at FROM messages WHERE dlr_token = ?", token);
    if (!sent_at) return;
    const int64_t now = clock_.Now().time_since_epoch().count();
    settings_.metrics->RecordReceiptLatency(static_cast<double>(now - *sent_at));
  }

  Database& db_;
  Clock& clock_;
  const HttpListenerSettings& settings_;
  const ReplyRouting& routing_;
  std::shared_ptr<HttpCounters> counters_;
  std::shared_ptr<ReceiptWriter> receipts_;  // shared by the copies on the workers
};

}  // namespace

DeliveryHttpServer::DeliveryHttpServer(Database& db, Clock& clock, HttpListenerSettings settings,
                                       ReplyRouting routing)
    : db_(db),
      clock_(clock),
      settings_(std::move(settings)),
      routing_(std::move(routing)),
      counters_(std::make_shared<HttpCounters>()),
      receipts_(std::make_shared<ReceiptWriter>(db)) {}

DeliveryHttpServer::~DeliveryHttpServer() { Stop(); }

void DeliveryHttpServer::Start() {
  HttpListenerOptions o;
  o.address = settings_.listen;
  o.port = settings_.port;
  o.threads = settings_.threads;
  o.max_connections = settings_.max_connections;
  o.head_timeout = settings_.head_timeout;
  listener_ = std::make_unique<HttpListener>(
      o, Router(db_, clock_, settings_, routing_, counters_, receipts_));
  listener_->Start();
}

void DeliveryHttpServer::Stop() {
  if (listener_) {
    listener_->Stop();
    listener_.reset();
  }
}

}  // namespace kehrbote
