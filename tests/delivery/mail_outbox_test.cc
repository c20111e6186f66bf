// E-mail through the Outbox and the SMTP channel to aiosmtpd: accepted with the
// Message-ID as gateway id; a relay without STARTTLS gets nothing and the
// message waits for a retry (nothing lost).
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <thread>

#include "dispatcher/mail/smtp_channel.h"
#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/database.h"
#include "tests/support/smtp_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

class MailOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = Database::Open("sqlite:" + dir_.Sub("store/dispatcher.db"));
    PlanStore(*db_).Migrate();
    Outbox(*db_, clock_, {}).Migrate();
  }
  void PlanMail() {
    DeliveryStore::NewMessage m;
    m.firm_id = "huber";
    m.appointment_id = "A-5";
    m.appointment_version = 3;
    m.rule_id = "mail-2d";
    m.purpose = "reminder";
    m.channel = "email";
    m.contact_key = m.recipient = "frau.mueller@example.at";
    m.sender = "Rauchfangkehrer Huber";
    m.subject = "Ihr Kehrtermin am Montag";
    m.body = "Grüß Gott,\nIhr Rauchfangkehrer kommt am Montag um 8:00 Uhr.";
    m.deadline = clock_.Now() + std::chrono::hours(30);
    ASSERT_TRUE(DeliveryStore(*db_).InsertMessage(m, clock_.Now()));
  }
  std::string Query(const std::string& sql) {
    Poco::Data::Session s = db_->GetSession();
    std::string v;
    s << sql, into(v), now;
    return v;
  }
  TempDir dir_{"kehrbote-mail-outbox-"};
  SystemClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(MailOutboxTest, MailAcceptedWithIcsFromLookup) {
  SmtpServer server;
  server.Start();
  SmtpSettings s;
  s.host = "localhost";
  s.port = server.port();
  s.ca_file = server.ca_file();
  s.from_address = "erinnerung@kehrbote.example.at";
  CalendarLookup lookup = [](const OutgoingMessage& m) -> std::optional<CalendarEvent> {
    CalendarEvent e;
    e.uid = m.appointment_id + "@" + m.firm_id + ".kehrbote";
    e.start = m.deadline;
    e.end = m.deadline + std::chrono::hours(1);
    e.zone = "Europe/Berlin";
    e.summary = "Kehrung";
    e.sequence = 3;
    return e;
  };
  SmtpChannel mail(s, clock_, lookup);
  Outbox outbox(*db_, clock_, {{"email", &mail}});
  PlanMail();
  SendCounts c = outbox.SendDue(clock_.Now(), 10);
  EXPECT_EQ(c.accepted, 1);
  EXPECT_EQ(Query("SELECT state FROM messages"), "accepted") << Query("SELECT last_error FROM messages");
  EXPECT_EQ(Query("SELECT gateway_message_id FROM messages").rfind("<kb-", 0), 0u);
  auto got = server.WaitForReceived(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rcpt_to.at(0), "frau.mueller@example.at");
  EXPECT_NE(got[0].data.find("termin.ics"), std::string::npos);
  EXPECT_NE(got[0].data.find("multipart/alternative"), std::string::npos);
}

TEST_F(MailOutboxTest, RelayWithoutStarttlsGetsNothingAndMessageWaits) {
  SmtpOptions o;
  o.starttls = false;
  SmtpServer server(o);
  server.Start();
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = server.port();
  s.from_address = "erinnerung@kehrbote.example.at";
  SmtpChannel mail(s, clock_);
  Outbox outbox(*db_, clock_, {{"email", &mail}});
  PlanMail();
  SendCounts c = outbox.SendDue(clock_.Now(), 10);
  EXPECT_EQ(c.retried, 1);
  EXPECT_EQ(Query("SELECT state FROM messages"), "planned");
  EXPECT_NE(Query("SELECT last_error FROM messages").find("STARTTLS"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(server.Received().empty());
}

}  // namespace
}  // namespace kehrbote::test
