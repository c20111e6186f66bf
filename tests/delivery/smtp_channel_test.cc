// SmtpChannel against aiosmtpd (STARTTLS, AUTH), the mail parsed by Python's
// email package (an independent MIME parser).
#include "dispatcher/mail/smtp_channel.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/smtp_server.h"

namespace kehrbote {
namespace {

// Prints "content-type|filename|payload" blocks for each leaf part.
constexpr const char* kParse = R"PY(
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print("SUBJECT:" + str(m['subject']))
print("FROM:" + str(m['from']))
print("TOP:" + m.get_content_type())
for part in m.walk():
    if part.is_multipart():
        print("MULTI:" + part.get_content_type())
        continue
    print("PART:%s|%s|%s" % (part.get_content_type(), part.get_filename(), part.get_content_charset()))
    print(part.get_content())
    print("END-PART")
)PY";

std::string ParseMail(const std::string& path) {
  auto r = test::RunCommand({"/usr/bin/python3", "-c", kParse, path}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

class SmtpChannelTest : public ::testing::Test {
 protected:
  OutgoingMessage Message() {
    OutgoingMessage m;
    m.id = 42;
    m.firm_id = "huber";
    m.channel = "email";
    m.purpose = "reminder";
    m.recipient = "kundin@example.at";
    m.sender = "Rauchfangkehrer Huber";
    m.subject = "Kehrtermin am Montag, 23.11. – Ihr Rauchfangkehrer";
    m.body = "Grüß Gott Frau Müller,\n\nIhr Rauchfangkehrer kommt am Montag, 23.11.2026 um 08:00 Uhr.\n.\nMit freundlichen Grüßen\nHuber";
    m.appointment_id = "A-1001";
    m.deadline = clock_.Now() + std::chrono::hours(24);
    return m;
  }
  SmtpSettings Settings(const test::SmtpServer& server) {
    SmtpSettings s;
    s.host = "localhost";
    s.port = server.port();
    s.ca_file = server.ca_file();
    s.from_address = "erinnerung@kehrbote.example.at";
    s.timeout = std::chrono::seconds(10);
    return s;
  }
  static std::optional<CalendarEvent> Event(const OutgoingMessage& m) {
    CalendarEvent e;
    e.uid = m.appointment_id + "@" + m.firm_id + ".kehrbote";
    e.start = Instant(std::chrono::seconds(1795417200));  // 2026-11-23T07:00:00Z = 08:00 Vienna
    e.end = e.start + std::chrono::hours(1);
    e.zone = "Europe/Vienna";
    e.summary = "Rauchfangkehrer: Kehrung";
    e.location = "Hauptstraße 1, 1010 Wien";
    e.sequence = 2;
    return e;
  }
  SystemClock clock_;
};

TEST_F(SmtpChannelTest, StarttlsAuthMultipartWithIcs) {
  test::SmtpOptions o;
  o.username = "relay";
  o.password = "s3cret";
  test::SmtpServer server(o);
  server.Start();
  auto settings = Settings(server);
  settings.username = "relay";
  settings.password = "s3cret";
  SmtpChannel channel(settings, clock_, &SmtpChannelTest::Event);
  auto outcome = channel.Send(Message());
  ASSERT_EQ(outcome.status, SendStatus::kAccepted) << outcome.detail << server.LogTail();
  EXPECT_FALSE(outcome.gateway_message_id.empty());
  auto mails = server.WaitForReceived(1, std::chrono::seconds(10));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail_from, "erinnerung@kehrbote.example.at");
  ASSERT_EQ(mails[0].rcpt_to.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to[0], "kundin@example.at");
  std::string parsed = ParseMail(mails[0].path);
  EXPECT_NE(parsed.find("SUBJECT:Kehrtermin am Montag, 23.11. – Ihr Rauchfangkehrer"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("TOP:multipart/mixed"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("MULTI:multipart/alternative"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("PART:text/plain|None|utf-8\nGrüß Gott Frau Müller,"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("PART:text/html|None|utf-8"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("<p>Grüß Gott Frau Müller,</p>"), std::string::npos) << parsed;
  // A line with a single dot survives SMTP dot-stuffing.
  EXPECT_NE(parsed.find("08:00 Uhr.\n.\nMit freundlichen"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("PART:text/calendar|termin.ics|utf-8"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("METHOD:PUBLISH"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("UID:A-1001@huber.kehrbote"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("DTSTART;TZID=Europe/Vienna:20261123T080000"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("TZID:Europe/Vienna"), std::string::npos) << parsed;
  EXPECT_NE(parsed.find("LOCATION:Hauptstraße 1\\, 1010 Wien"), std::string::npos) << parsed;
}

// A display name with umlauts, quotes and '&' arrives as written,
// decoded by Python's email package from the mail the real server received
// (no literal quotes around it, nothing lost).
TEST_F(SmtpChannelTest, FromDisplayNameIsEncodedPerRfc2047) {
  test::SmtpServer server;
  server.Start();
  const std::string names[] = {"Rauchfangkehrermeister Höller & Söhne",
                               "Kehrbetrieb \"Glück\" Grüber",
                               "RFK Huber & Co",
                               "Rauchfangkehrermeisterin Dipl.-Ing. Bärbel Großschädl-Übermüller & Töchter"};
  size_t n = 0;
  for (const std::string& name : names) {
    auto settings = Settings(server);
    settings.from_name = name;
    SmtpChannel channel(settings, clock_);
    auto outcome = channel.Send(Message());
    ASSERT_EQ(outcome.status, SendStatus::kAccepted) << outcome.detail << server.LogTail();
    auto mails = server.WaitForReceived(++n, std::chrono::seconds(10));
    ASSERT_EQ(mails.size(), n);
    const std::string parsed = ParseMail(mails.back().path);
    const std::string from = parsed.substr(parsed.find("FROM:"), parsed.find('\n', parsed.find("FROM:")) -
                                                                    parsed.find("FROM:"));
    // Python renders the address back with the name quoted where RFC 5322 needs
    // it; the display name itself must be exactly the firm's.
    auto r = test::RunCommand(
        {"/usr/bin/python3", "-c",
         "import email,sys\nfrom email import policy\n"
         "m=email.message_from_binary_file(open(sys.argv[1],'rb'),policy=policy.default)\n"
         "a=m['from'].addresses[0]\nsys.stdout.write(a.display_name+'|'+a.addr_spec)",
         mails.back().path},
        std::chrono::seconds(30));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, name + "|erinnerung@kehrbote.example.at") << from;
  }
}

TEST_F(SmtpChannelTest, WrongPasswordIsNotAccepted) {
  test::SmtpOptions o;
  o.username = "relay";
  o.password = "s3cret";
  test::SmtpServer server(o);
  server.Start();
  auto settings = Settings(server);
  settings.username = "relay";
  settings.password = "falsch";
  settings.timeout = std::chrono::seconds(3);
  SmtpChannel channel(settings, clock_);
  auto outcome = channel.Send(Message());
  EXPECT_NE(outcome.status, SendStatus::kAccepted) << outcome.detail;
  EXPECT_TRUE(server.Received().empty());
}

TEST_F(SmtpChannelTest, PlainServerIsRefusedWhenTlsRequired) {
  test::SmtpOptions o;
  o.starttls = false;
  test::SmtpServer server(o);
  server.Start();
  SmtpChannel channel(Settings(server), clock_);
  auto outcome = channel.Send(Message());
  EXPECT_EQ(outcome.status, SendStatus::kTransient);
  EXPECT_NE(outcome.detail.find("STARTTLS"), std::string::npos) << outcome.detail;
  ASSERT_TRUE(server.WaitForSessionsEnded(1, std::chrono::seconds(10))) << server.LogTail();
  EXPECT_TRUE(server.Received().empty()) << "mail went out in plain text";
}

TEST_F(SmtpChannelTest, UntrustedCertificateIsRefused) {
  test::SmtpServer server;
  server.Start();
  auto settings = Settings(server);
  settings.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // does not hold the test cert
  SmtpChannel channel(settings, clock_);
  auto outcome = channel.Send(Message());
  EXPECT_EQ(outcome.status, SendStatus::kTransient) << outcome.detail;
  ASSERT_TRUE(server.WaitForSessionsEnded(1, std::chrono::seconds(10))) << server.LogTail();
  EXPECT_TRUE(server.Received().empty());
}

TEST_F(SmtpChannelTest, CancellationIcs) {
  CalendarEvent e = *Event(Message());
  e.cancelled = true;
  std::string ics = FormatIcs(e, Instant(std::chrono::seconds(1795000000)));
  EXPECT_NE(ics.find("METHOD:CANCEL\r\n"), std::string::npos);
  EXPECT_NE(ics.find("STATUS:CANCELLED\r\n"), std::string::npos);
  EXPECT_NE(ics.find("UID:A-1001@huber.kehrbote\r\n"), std::string::npos);
  // Vienna 2026: DST from 2026-03-29 02:00 local, back 2026-10-25 03:00 local.
  EXPECT_NE(ics.find("DTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"), std::string::npos) << ics;
}

TEST_F(SmtpChannelTest, MailHostDownIsTransient) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = 1;
  s.from_address = "a@b.at";
  SmtpChannel channel(s, clock_);
  EXPECT_EQ(channel.Send(Message()).status, SendStatus::kTransient);
}

}  // namespace
}  // namespace kehrbote
