// E-mail through the Outbox and the SMTP channel to aiosmtpd: accepted with the
// Message-ID as gateway id; a relay without STARTTLS gets nothing and the
// message waits for a retry (nothing lost).
#include <gtest/gtest.h>

#include <thread>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/delivery/delivery_runtime.h"
#include "dispatcher/mail/smtp_channel.h"
#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "dispatcher/store/store_schema.h"
#include "tests/support/child_process.h"
#include "tests/support/smtp_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

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
    m.purpose = MessagePurpose::kReminder;
    m.channel = ContactChannel::kEmail;
    m.contact_key = m.recipient = "frau.mueller@example.at";
    m.sender = "Rauchfangkehrer Huber";
    m.subject = "Ihr Kehrtermin am Montag";
    m.body = "Grüß Gott,\nIhr Rauchfangkehrer kommt am Montag um 8:00 Uhr.";
    m.deadline = clock_.Now() + std::chrono::hours(30);
    ASSERT_TRUE(DeliveryStore(*db_).InsertMessage(m, clock_.Now()));
  }
  std::string Query(const std::string& sql) { return QueryText(*db_->Connect(), sql).value_or(""); }
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
  ASSERT_TRUE(server.WaitForSessionsEnded(1, std::chrono::seconds(10))) << server.LogTail();
  EXPECT_TRUE(server.Received().empty());
}

// An empty smtp.from_name means the firm's name (as the docs say),
// not the SMS sender ("RFK Grueber"). Sent through the dispatcher's delivery
// wiring to the real SMTP server; the From header decoded by Python's email
// package.
TEST_F(MailOutboxTest, EmptyFromNameIsTheFirmsName) {
  MigrateStore(*db_);
  SmtpServer server;
  server.Start();
  std::ofstream(dir_.Sub("dispatcher.yaml"))
      << "store: {url: \"sqlite:" << dir_.Sub("store/dispatcher.db") << "\"}\n"
      << "firms_dir: " << dir_.Sub("firms.d") << "\n"
      << "delivery:\n  smtp:\n    host: localhost\n    port: " << server.port()
      << "\n    ca_file: " << server.ca_file()
      << "\n    from: erinnerung@kehrbote.example.at\n    from_name: \"\"\n";
  std::filesystem::create_directories(dir_.Sub("firms.d"));
  std::ofstream(dir_.Sub("firms.d/huber.yaml"))
      << "id: huber\nsender_name: RFK Grueber\nname: \"Rauchfangkehrermeister Grüber & Söhne\"\n";
  const DispatcherConfig config = LoadDispatcherConfig(dir_.Sub("dispatcher.yaml"));
  std::ostringstream log;
  Logger logger(std::make_shared<StreamLogSink>(log));
  DeliveryRuntime runtime(config, *db_, clock_, logger);
  runtime.Migrate();
  DeliveryStore::NewMessage m;
  m.firm_id = "huber";
  m.appointment_id = "A-5";
  m.appointment_version = 1;
  m.rule_id = "mail-2d";
  m.purpose = MessagePurpose::kReminder;
  m.channel = ContactChannel::kEmail;
  m.contact_key = m.recipient = "frau.mueller@example.at";
  m.sender = "RFK Grueber";
  m.subject = "Ihr Kehrtermin am Montag";
  m.body = "Grüß Gott,\nIhr Rauchfangkehrer kommt am Montag um 8:00 Uhr.";
  m.deadline = clock_.Now() + std::chrono::hours(30);
  ASSERT_TRUE(DeliveryStore(*db_).InsertMessage(m, clock_.Now()));
  runtime.SendDue(clock_.Now());
  auto got = server.WaitForReceived(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u) << log.str();
  auto r = RunCommand({"/usr/bin/python3", "-c",
                       "import email,sys\nfrom email import policy\n"
                       "m=email.message_from_binary_file(open(sys.argv[1],'rb'),policy=policy.default)\n"
                       "a=m['from'].addresses[0]\nsys.stdout.write(a.display_name+'|'+a.addr_spec)",
                       got[0].path},
                      std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "Rauchfangkehrermeister Grüber & Söhne|erinnerung@kehrbote.example.at");
}

}  // namespace
}  // namespace kehrbote::test
