// HttpSmsChannel (REST gateway described in YAML terms) against a loopback HTTP
// server that records what it got and answers like a provider.
#include "dispatcher/sms/http_sms_channel.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <mutex>

namespace kehrbote {
namespace {

struct Seen {
  std::mutex mu;
  std::string method, uri, body, auth, content_type;
  int status = 202;
  std::string reply = R"({"messages":[{"id":"msg-4711","status":"queued"}]})";
};

class Recorder : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Recorder(Seen& seen) : seen_(seen) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    std::lock_guard<std::mutex> lock(seen_.mu);
    seen_.method = req.getMethod();
    seen_.uri = req.getURI();
    seen_.auth = req.get("Authorization", "");
    seen_.content_type = req.getContentType();
    seen_.body.clear();
    Poco::StreamCopier::copyToString(req.stream(), seen_.body);
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(seen_.status));
    res.setContentType("application/json");
    res.send() << seen_.reply;
  }

 private:
  Seen& seen_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Seen& seen) : seen_(seen) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Recorder(seen_);
  }

 private:
  Seen& seen_;
};

class HttpSmsChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(seen_), socket,
                                                      new Poco::Net::HTTPServerParams);
    server_->start();
  }
  void TearDown() override { server_->stopAll(true); }
  HttpSmsSettings Json() {
    HttpSmsSettings s;
    s.url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/sms";
    s.headers = {{"Authorization", "Bearer {{secret}}"}};
    s.body = R"({"from":"{{from}}","to":"{{to}}","text":"{{text}}","callback":"{{dlr_url}}"})";
    s.body_format = "json";
    s.message_id_pointer = "/messages/0/id";
    s.secret = "k3y";
    s.dlr_url = "https://kehrbote.example.at/dlr";
    return s;
  }
  OutgoingMessage Message() {
    OutgoingMessage m;
    m.id = 7;
    m.channel = "sms";
    m.recipient = "+4915112345678";
    m.sender = "Huber RFK";
    m.body = "Grüß \"Gott\"\nmorgen 8:00";
    m.dlr_token = "abcdef0123456789abcdef0123456789";
    m.deadline = clock_.Now() + std::chrono::hours(5);
    return m;
  }
  Seen seen_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  SystemClock clock_;
};

TEST_F(HttpSmsChannelTest, JsonBodyHeadersAndMessageId) {
  HttpSmsChannel channel(Json(), clock_);
  SendOutcome o = channel.Send(Message());
  ASSERT_EQ(o.status, SendStatus::kAccepted) << o.detail;
  EXPECT_EQ(o.gateway_message_id, "msg-4711");
  EXPECT_EQ(o.segments, 1);
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.method, "POST");
  EXPECT_EQ(seen_.uri, "/v1/sms");
  EXPECT_EQ(seen_.auth, "Bearer k3y");
  EXPECT_EQ(seen_.content_type, "application/json");
  EXPECT_EQ(seen_.body,
            R"({"from":"Huber RFK","to":"+4915112345678","text":"Grüß \"Gott\"\nmorgen 8:00",)"
            R"("callback":"https://kehrbote.example.at/dlr?token=abcdef0123456789abcdef0123456789"})");
}

TEST_F(HttpSmsChannelTest, GetWithQueryEncodesPlus) {
  HttpSmsSettings s;
  s.method = "GET";
  s.url = "http://127.0.0.1:" + std::to_string(port_) + "/send?to={{to}}&msg={{text}}&v={{validity_minutes}}";
  s.body = "";
  s.message_id_regex = R"re("id":"([a-z0-9-]+)")re";
  HttpSmsChannel channel(s, clock_);
  SendOutcome o = channel.Send(Message());
  ASSERT_EQ(o.status, SendStatus::kAccepted) << o.detail;
  EXPECT_EQ(o.gateway_message_id, "msg-4711");
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.uri.rfind("/send?to=%2B4915112345678&", 0), 0u) << seen_.uri;
  EXPECT_NE(seen_.uri.find("msg=Gr%C3%BC%C3%9F%20%22Gott%22%0Amorgen%208%3A00"), std::string::npos) << seen_.uri;
  EXPECT_TRUE(seen_.uri.find("&v=300") != std::string::npos || seen_.uri.find("&v=299") != std::string::npos) << seen_.uri;  // 5 h in minutes, never more
}

TEST_F(HttpSmsChannelTest, StatusClassification) {
  HttpSmsChannel channel(Json(), clock_);
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    seen_.status = 503;
    seen_.reply = "busy";
  }
  EXPECT_EQ(channel.Send(Message()).status, SendStatus::kTransient);
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    seen_.status = 429;
  }
  EXPECT_EQ(channel.Send(Message()).status, SendStatus::kTransient);
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    seen_.status = 400;
    seen_.reply = R"({"error":"invalid number"})";
  }
  SendOutcome o = channel.Send(Message());
  EXPECT_EQ(o.status, SendStatus::kPermanent);
  EXPECT_NE(o.detail.find("invalid number"), std::string::npos);
}

TEST_F(HttpSmsChannelTest, UnknownPlaceholderIsPermanent) {
  auto s = Json();
  s.body = R"({"to":"{{empfaenger}}"})";
  HttpSmsChannel channel(s, clock_);
  SendOutcome o = channel.Send(Message());
  EXPECT_EQ(o.status, SendStatus::kPermanent);
  EXPECT_NE(o.detail.find("empfaenger"), std::string::npos);
}

TEST(JsonPointer, Rfc6901) {
  EXPECT_EQ(JsonPointerValue(R"({"a":{"b/c":[1,{"d":"x"}]}})", "/a/b~1c/1/d"), "x");
  EXPECT_EQ(JsonPointerValue(R"({"a":5})", "/a"), "5");
  EXPECT_FALSE(JsonPointerValue(R"({"a":5})", "/b"));
  EXPECT_FALSE(JsonPointerValue("not json", "/a"));
}

}  // namespace
}  // namespace kehrbote
