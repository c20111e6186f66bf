#include "dispatcher/http/delivery_http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <iostream>
#include <map>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/sms/url_encoding.h"

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

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Database& db, Clock& clock, const HttpListenerSettings& settings,
          const ReplyRouting& routing, std::shared_ptr<HttpCounters> counters)
      : db_(db), clock_(clock), settings_(settings), routing_(routing),
        counters_(std::move(counters)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string path = PathOf(request.getURI());
    auto q = ParseQuery(request.getURI());
    response.setContentType("text/plain; charset=utf-8");
    try {
      if (path == "/health") {
        Reply(response, Poco::Net::HTTPResponse::HTTP_OK, "ok\n");
      } else if (path == "/dlr") {
        DeliveryStore store(db_);
        int status = 0;
        try {
          status = std::stoi(q["status"]);
        } catch (...) {
          status = 0;
        }
        ReceiptResult r = store.ApplyReceipt(q["token"], status, q["answer"], q["id"], clock_.Now());
        if (r == ReceiptResult::kApplied) {
          ++counters_->receipts_applied;
        } else {
          ++counters_->receipts_ignored;
        }
        if (r == ReceiptResult::kUnknownToken)
          std::cerr << "kehrbote-dispatcher: receipt with unknown token from "
                    << request.clientAddress().host().toString() << " ignored\n";
        Reply(response, Poco::Net::HTTPResponse::HTTP_OK, "ok\n");
      } else if (path == "/sms/incoming") {
        if (!settings_.reply_key.empty() && !ConstantTimeEquals(q["key"], settings_.reply_key)) {
          Reply(response, Poco::Net::HTTPResponse::HTTP_FORBIDDEN, "forbidden\n");
          return;
        }
        ReplyHandler handler(db_, clock_, routing_);
        handler.Handle(q["from"], q["to"], q["text"]);
        ++counters_->replies;
        // Empty body: Kannel sends no answer SMS (max-messages = 0).
        Reply(response, Poco::Net::HTTPResponse::HTTP_OK, "");
      } else {
        Reply(response, Poco::Net::HTTPResponse::HTTP_NOT_FOUND, "not found\n");
      }
    } catch (const std::exception& e) {
      std::cerr << "kehrbote-dispatcher: HTTP " << path << ": " << e.what() << "\n";
      // 503: Kannel retries nothing, but a store outage is visible in its log.
      Reply(response, Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "store error\n");
    }
  }

 private:
  static void Reply(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus s,
                    const std::string& body) {
    response.setStatus(s);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

  Database& db_;
  Clock& clock_;
  const HttpListenerSettings& settings_;
  const ReplyRouting& routing_;
  std::shared_ptr<HttpCounters> counters_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Database& db, Clock& clock, const HttpListenerSettings& settings,
          const ReplyRouting& routing, std::shared_ptr<HttpCounters> counters)
      : db_(db), clock_(clock), settings_(settings), routing_(routing),
        counters_(std::move(counters)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(db_, clock_, settings_, routing_, counters_);
  }

 private:
  Database& db_;
  Clock& clock_;
  const HttpListenerSettings& settings_;
  const ReplyRouting& routing_;
  std::shared_ptr<HttpCounters> counters_;
};

}  // namespace

DeliveryHttpServer::DeliveryHttpServer(Database& db, Clock& clock, HttpListenerSettings settings,
                                       ReplyRouting routing)
    : db_(db), clock_(clock), settings_(std::move(settings)), routing_(std::move(routing)),
      counters_(std::make_shared<HttpCounters>()) {}

DeliveryHttpServer::~DeliveryHttpServer() { Stop(); }

void DeliveryHttpServer::Start() {
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(settings_.listen, static_cast<Poco::UInt16>(settings_.port)));
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings_.threads);
  params->setKeepAlive(true);
  // Idle keep-alive connections hold a server thread: keep them short.
  params->setKeepAliveTimeout(Poco::Timespan(2, 0));
  params->setMaxQueued(256);
  server_ = std::make_unique<Poco::Net::HTTPServer>(
      new Factory(db_, clock_, settings_, routing_, counters_), socket, params);
  server_->start();
}

void DeliveryHttpServer::Stop() {
  if (server_) {
    server_->stopAll(true);
    server_.reset();
  }
}

}  // namespace kehrbote
