// Shared fixture of the delivery integration tests: a SQLite store with the
// planning + delivery migrations, the dispatcher's HTTP listener, and a real
// Kannel whose sms-service posts replies to that listener.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "dispatcher/http/delivery_http_server.h"
#include "dispatcher/message/message_channel_name.h"
#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "tests/support/child_process.h"
#include "tests/support/kannel_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

class DeliveryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("kehrbote-delivery-");
    db_ = Database::Open("sqlite:" + dir_->Sub("store/dispatcher.db"));
    PlanStore(*db_).Migrate();
    HttpListenerSettings hs;
    hs.reply_key = "antwort-key";
    ReplyRouting routing;
    routing.firm_reply_addresses = [](const std::string& firm) {
      return std::vector<std::string>{"buero@" + firm + ".example.at"};
    };
    http_ = std::make_unique<DeliveryHttpServer>(*db_, clock_, hs, routing);
    http_->Start();
    KannelOptions ko;
    ko.allowed_prefix = "+43;+49";
    if (getenv("KEHRBOTE_KANNEL_DEBUG")) ko.log_level = 0;
    ko.reply_get_url = "http://127.0.0.1:" + std::to_string(http_->port()) +
                       "/sms/incoming?from=%p&to=%P&text=%a&key=antwort-key";
    kannel_ = std::make_unique<KannelServer>(ko);
    kannel_->Start();
    KannelSettings ks;
    ks.sendsms_url = kannel_->SendsmsUrl();
    ks.username = ko.username;
    ks.password = ko.password;
    ks.max_parts = ko.max_messages;
    ks.dlr_url = "http://127.0.0.1:" + std::to_string(http_->port()) + "/dlr";
    ks.timeout = std::chrono::seconds(5);
    sms_ = std::make_unique<KannelChannel>(ks, clock_);
    OutboxOptions oo;
    oo.instance = "test";
    oo.quota = [this](const std::string&) { return quota_; };
    outbox_ = std::make_unique<Outbox>(*db_, clock_,
                                       std::map<std::string, MessageChannel*>{{"sms", sms_.get()}},
                                       oo);
    outbox_->Migrate();
  }
  void TearDown() override {
    if (HasFailure() && kannel_) {
      std::cerr << kannel_->LogTail() << "\n";
      if (getenv("KEHRBOTE_KEEP_LOGS"))
        RunCommand({"cp", "-r", kannel_->dir(), getenv("KEHRBOTE_KEEP_LOGS")});
    }
    outbox_.reset();
    kannel_.reset();
    http_.reset();
    db_.reset();
  }

  int64_t Plan(const std::string& to, const std::string& text, std::string appointment = "",
               Instant deadline = {}, const std::string& channel = "sms",
               const std::string& rule = "sms-1d") {
    DeliveryStore store(*db_);
    DeliveryStore::NewMessage m;
    m.firm_id = "huber";
    m.appointment_id = appointment.empty() ? "A-" + to : appointment;
    m.appointment_version = 1;
    m.rule_id = rule;
    m.purpose = MessagePurpose::kReminder;
    m.channel = ParseMessageChannel(channel);
    m.contact_key = to;
    m.recipient = to;
    m.sender = "Huber RFK";
    m.subject = channel == "email" ? "Erinnerung" : "";
    m.body = text;
    m.deadline = deadline == Instant{} ? clock_.Now() + std::chrono::hours(24) : deadline;
    EXPECT_TRUE(store.InsertMessage(m, clock_.Now()));
    return QueryInt(*db_->Connect(), "SELECT MAX(id) FROM messages").value_or(0);
  }

  std::string Column(int64_t id, const std::string& column) {
    return QueryText(*db_->Connect(),
                     "SELECT CAST(" + column + " AS TEXT) FROM messages WHERE id = ?", id)
        .value_or("<null>");
  }
  std::string State(int64_t id) { return Column(id, "state"); }

  bool WaitForState(int64_t id, const std::string& state, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (State(id) == state) return true;
      // Interactive fakesmsc reads (and so acknowledges) only when poked.
      kannel_->WaitForReceived(0, std::chrono::milliseconds(0));
    }
    return State(id) == state;
  }

  int Count(const std::string& sql) {
    return static_cast<int>(QueryInt(*db_->Connect(), sql).value_or(0));
  }

  // Runs `sql` (no parameters) on the store.
  void Exec(const std::string& sql) { db_->Connect()->Execute(sql); }

  // GET on the dispatcher's listener; returns the status.
  int Get(const std::string& target) {
    Poco::Net::HTTPClientSession c("127.0.0.1", static_cast<Poco::UInt16>(http_->port()));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, target,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    c.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(c.receiveResponse(res), body);
    return static_cast<int>(res.getStatus());
  }

  std::vector<FakeSmscMessage> ReceivedFor(const std::string& to, std::size_t count,
                                           std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::vector<FakeSmscMessage> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      out.clear();
      for (auto& m : kannel_->WaitForReceived(0, std::chrono::milliseconds(0)))
        if (m.to == to) out.push_back(m);
      if (out.size() >= count) break;
      // fakesmsc is another process that tells only through its output: bounded polling.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    return out;
  }

  SystemClock clock_;
  SmsQuota quota_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<DeliveryHttpServer> http_;
  std::unique_ptr<KannelServer> kannel_;
  std::unique_ptr<KannelChannel> sms_;
  std::unique_ptr<Outbox> outbox_;
};

}  // namespace kehrbote::test
