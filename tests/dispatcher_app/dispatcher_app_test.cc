// Integration tests of kehrbote-dispatcher's planning passes: the real binary
// (once, plan) and the app object against a SQLite store.
#include <map>

#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/plan_store/plan_store.h"
#include "tests/dispatcher_app/app_test_env.h"

namespace kehrbote {
namespace {

using test::At;
using test::Exec;
using test::IntOf;
using test::MailContact;
using test::MakeAppt;
using test::SmsContact;
using test::TextOf;
using test::TextsOf;

constexpr const char* kZone = "Europe/Vienna";

const char* kHuber =
    "id: huber\n"
    "inbox: /drop/huber\n"
    "sender_name: Huber RFK\n"
    "rules:\n"
    "  - {name: sms-1d, channel: sms, lead: 1d}\n"
    "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n"
    "heartbeat: {time: \"07:00\", contacts: [\"0664 9999999\"]}\n";

class DispatcherAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.WriteConfig("operator_contacts: [\"+43 676 1234500\", ops@example.at]\n");
    env_.Write("firms.d/huber.yaml", kHuber);
    env_.Write("firms.d/maier.yaml", "id: maier\n");  // never uploads
    config_ = LoadDispatcherConfig(env_.config_path());
    db_ = Database::Open(env_.store_url());
    app_ = std::make_unique<DispatcherApp>(config_, *db_);
    app_->Migrate();
  }

  // The export of 2026-11-22 23:00: the appointments of the once-test.
  void IngestFirstExport() {
    auto r = env_.Ingest(
        *db_, "huber", At("2026-11-22T23:00:00+01:00"),
        {
            // Normal: 1d before at 08:00; e-mail 2d before at 18:00.
            MakeAppt("A1", "2026-11-25", 8, 0, {SmsContact("0664 1111111"), MailContact("A1@Example.at")}),
            // 09:40 -> 1d before rounded down to 09:30.
            MakeAppt("A2", "2026-11-24", 9, 40, {SmsContact("0664 2222222")}),
            // Late: reminder time passed; 11:00 today, quiet hours until 08:00 -> 08:00 (3h remain).
            MakeAppt("A3", "2026-11-23", 11, 0, {SmsContact("0664 3333333")}),
            // Late with too little time: 09:00 today, only 1h after quiet hours.
            MakeAppt("A4", "2026-11-23", 9, 0, {SmsContact("0664 4444444")}),
            // Landline only, and a contact without consent.
            MakeAppt("A5", "2026-11-26", 8, 0, {SmsContact("07252 12345"), SmsContact("0664 5555555", false)}),
        });
    ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  }

  std::map<std::string, StoredMessage> MessagesByKey() {
    std::map<std::string, StoredMessage> out;
    for (StoredMessage& m : PlanStore(*db_).ListMessages("huber"))
      out[m.appointment_id + "/" + m.rule_id] = std::move(m);
    return out;
  }

  int64_t Count(const std::string& sql) { return IntOf(*db_, sql); }
  std::string Text(const std::string& sql) { return TextOf(*db_, sql); }

  test::AppEnv env_;
  DispatcherConfig config_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<DispatcherApp> app_;
};

TEST_F(DispatcherAppTest, OnceWithNowPlansTheRightMessagesAtTheRightTime) {
  IngestFirstExport();
  db_.reset();  // the binary works on the file alone
  auto r = env_.Dispatcher({"once", "--now", "2026-11-23T06:00:00+01:00"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("5 appointment(s) of 2 firm(s); 4 message(s) planned"), std::string::npos)
      << r.output;
  db_ = Database::Open(env_.store_url());

  auto m = MessagesByKey();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(FormatRfc3339(m["A1/sms-1d"].due, kZone), "2026-11-24T08:00:00+01:00");
  EXPECT_EQ(FormatRfc3339(m["A1/sms-1d"].deadline, kZone), "2026-11-25T08:00:00+01:00");
  EXPECT_EQ(m["A1/sms-1d"].recipient, "+436641111111");
  EXPECT_EQ(m["A1/sms-1d"].state, MessageState::kPlanned);
  EXPECT_EQ(m["A1/sms-1d"].sender, "Huber RFK");
  // The shared German default text: long date, the object's address, the
  // firm's phone from the export header (its name is the SMS sender).
  EXPECT_EQ(m["A1/sms-1d"].body,
            "Ihr Rauchfangkehrer kommt zur Kehrung am Mittwoch, 25. November 2026, 08:00 Uhr: "
            "Hauptstraße 1, Steyr. Verhindert? Bitte melden: 07252 / 12345");
  EXPECT_EQ(FormatRfc3339(m["A1/mail-2d"].due, kZone), "2026-11-23T18:00:00+01:00");
  EXPECT_EQ(m["A1/mail-2d"].recipient, "a1@example.at");
  EXPECT_EQ(FormatRfc3339(m["A2/sms-1d"].due, kZone), "2026-11-23T09:30:00+01:00");
  EXPECT_EQ(FormatRfc3339(m["A3/sms-1d"].due, kZone), "2026-11-23T08:00:00+01:00");
  EXPECT_NE(m["A3/sms-1d"].reason.find("late"), std::string::npos) << m["A3/sms-1d"].reason;
  EXPECT_EQ(m.count("A4/sms-1d"), 0u);

  // Running the same pass again plans nothing twice.
  r = env_.Dispatcher({"once", "--now", "2026-11-23T06:00:00+01:00"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 message(s) planned"), std::string::npos) << r.output;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE firm_id = 'huber'"), 4);
}

// A loopback port nothing listens on (bound once by the OS, then released).
int ClosedPort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = s.address().port();
  s.close();
  return port;
}

TEST_F(DispatcherAppTest, OnceWithGatewaysDownPrintsEachReasonWithItsCount) {
  const std::string kannel = std::to_string(ClosedPort());
  const std::string smtp = std::to_string(ClosedPort());
  // No heartbeat, no operator alarm: only the customers' messages are due.
  env_.Write("firms.d/huber.yaml",
             "id: huber\n"
             "sender_name: Huber RFK\n"
             "rules:\n"
             "  - {name: sms-1d, channel: sms, lead: 1d}\n"
             "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n");
  env_.WriteConfig("delivery:\n"
                   "  sms:\n"
                   "    provider: kannel\n"
                   "    kannel: {sendsms_url: \"http://127.0.0.1:" + kannel + "/cgi-bin/sendsms\","
                   " username: kehrbote, password: geheim-123}\n"
                   "  smtp: {host: 127.0.0.1, port: " + smtp + ", tls: none, from: erinnerung@partner.example}\n");
  auto ingest = env_.Ingest(*db_, "huber", At("2026-11-22T23:00:00+01:00"),
                            {MakeAppt("B1", "2026-11-24", 10, 0, {SmsContact("0664 1111111")}),
                             MakeAppt("B2", "2026-11-24", 10, 0, {SmsContact("0664 2222222")}),
                             MakeAppt("B3", "2026-11-25", 10, 0, {MailContact("b3@example.at")})});
  ASSERT_EQ(ingest.outcome, IngestOutcome::kApplied) << ingest.reason;
  db_.reset();
  // 18:30: the SMS of B1 and B2 (due 10:00) and B3's e-mail (due 18:00); Kannel
  // and the mail host are down.
  auto r = env_.Dispatcher({"once", "--now", "2026-11-23T18:30:00+01:00"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Before: "sent: 3", and no reason anywhere.
  EXPECT_NE(r.output.find("delivery: 3 message(s) claimed: 0 accepted, 3 to retry, 0 failed"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not sent (2): Kannel http://127.0.0.1:" + kannel +
                          "/cgi-bin/sendsms: cannot reach: Connection refused"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not sent (1): cannot reach mail host 127.0.0.1:" + smtp +
                          ": Connection refused"),
            std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("geheim-123"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\nsent: "), std::string::npos) << r.output;
}

TEST_F(DispatcherAppTest, ListenerThatCannotBindNamesAddressPortAndWhy) {
  // Taken by another program (no SO_REUSEPORT, which would let both bind).
  Poco::Net::ServerSocket taken;
  taken.bind(Poco::Net::SocketAddress("127.0.0.1", 0), /*reuseAddress=*/false,
             /*reusePort=*/false);
  taken.listen();
  const std::string port = std::to_string(taken.address().port());
  env_.WriteConfig("http: {listen: 127.0.0.1, port: " + port +
                   ", public_url: \"http://127.0.0.1:" + port + "\"}\n");
  auto r = env_.Dispatcher({"once", "--now", "2026-11-23T10:00:00+01:00", "--receipt-wait", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("HTTP listener: cannot listen on 127.0.0.1:" + port), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("in use"), std::string::npos) << r.output;
}

// Before: an appointment that had started when it arrived, or had no usable
// contact, left no trace in plan, plan --json or report protocol.
TEST_F(DispatcherAppTest, UnreachableAppointmentsAreListedWithTheirReason) {
  auto ingest = env_.Ingest(
      *db_, "huber", At("2026-11-23T10:00:00+01:00"),
      {
          MakeAppt("U1", "2026-11-23", 9, 0, {SmsContact("0664 1111111")}),  // started
          MakeAppt("U2", "2026-11-25", 8, 0, {}),                            // no contact
          // "12345" as typed, and a landline: every contact skipped.
          MakeAppt("U3", "2026-11-25", 8, 0, {SmsContact("12345"), SmsContact("07252 12345")}),
          MakeAppt("OK1", "2026-11-25", 8, 0, {SmsContact("0664 2222222")}),
      });
  ASSERT_EQ(ingest.outcome, IngestOutcome::kApplied) << ingest.reason;
  db_.reset();
  auto r = env_.Dispatcher({"once", "--now", "2026-11-23T10:00:00+01:00"});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto line_of = [](const std::string& text, const std::string& needle) {
    std::size_t p = text.find(needle);
    if (p == std::string::npos) return std::string();
    std::size_t b = text.rfind('\n', p);
    std::size_t e = text.find('\n', p);
    return text.substr(b == std::string::npos ? 0 : b + 1, e == std::string::npos ? e : e - b - 1);
  };
  r = env_.Dispatcher({"plan", "--firm", "huber"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(line_of(r.output, "U1 v1").find("started"), std::string::npos) << r.output;
  EXPECT_NE(line_of(r.output, "U2 v1").find("no_contact"), std::string::npos) << r.output;
  const std::string u3 = line_of(r.output, "all_contacts_skipped");
  EXPECT_NE(u3.find("U3 v1"), std::string::npos) << r.output;
  EXPECT_NE(u3.find("(typed '***45')"), std::string::npos) << r.output;
  EXPECT_NE(u3.find("Frau M**** M*****"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Muster"), std::string::npos) << r.output;
  EXPECT_EQ(line_of(r.output, "no reminder").find("OK1"), std::string::npos) << r.output;

  r = env_.Dispatcher({"plan", "--firm", "huber", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto root = Poco::JSON::Parser().parse(r.output).extract<Poco::JSON::Object::Ptr>();
  auto unreachable = root->getArray("unreachable");
  ASSERT_TRUE(unreachable) << r.output;
  std::map<std::string, std::string> reasons;
  for (std::size_t i = 0; i < unreachable->size(); ++i) {
    auto o = unreachable->getObject(static_cast<unsigned>(i));
    reasons[o->getValue<std::string>("appointment_id")] = o->getValue<std::string>("reason");
  }
  EXPECT_EQ(reasons, (std::map<std::string, std::string>{
                         {"U1", "started"}, {"U2", "no_contact"}, {"U3", "all_contacts_skipped"}}))
      << r.output;

  r = env_.Dispatcher({"report", "unreachable", "--firm", "huber", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("start,appointment,version,object,customer,reason,detail\n"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2026-11-23T09:00:00+01:00,U1,1,\"O-U1, Hauptstraße 1, 4400 Steyr\","
                          "Frau M**** M*****,started,had started (2026-11-23 09:00) when it "
                          "arrived (2026-11-23 10:00)\n"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find(",U2,1,"), std::string::npos) << r.output;
  EXPECT_NE(line_of(r.output, ",U3,1,").find("(typed '***45')"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("OK1"), std::string::npos) << r.output;

  r = env_.Dispatcher({"report", "protocol", "--firm", "huber", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* id : {",U1,", ",U2,", ",U3,"})
    EXPECT_NE(line_of(r.output, id).find("unreachable"), std::string::npos) << id << r.output;
}

TEST_F(DispatcherAppTest, PlanJsonListsSkippedLandlineWithReason) {
  IngestFirstExport();
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), /*full=*/true);
  db_.reset();
  auto r = env_.Dispatcher({"plan", "--firm", "huber", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Poco::JSON::Parser parser;
  auto root = parser.parse(r.output).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(root->getValue<std::string>("firm"), "huber");
  auto messages = root->getArray("messages");
  ASSERT_EQ(messages->size(), 4u);
  std::map<std::string, Poco::JSON::Object::Ptr> by_key;
  for (size_t i = 0; i < messages->size(); ++i) {
    auto o = messages->getObject(static_cast<unsigned>(i));
    EXPECT_FALSE(o->getValue<std::string>("reason").empty());
    // Numbers are masked in the listing.
    EXPECT_EQ(o->getValue<std::string>("contact").find("1111111"), std::string::npos);
    by_key[o->getValue<std::string>("appointment_id") + "/" + o->getValue<std::string>("rule")] = o;
  }
  // Every field of one message as the listing has always spelled it (the
  // enums of the row written as the store's names).
  ASSERT_TRUE(by_key.count("A1/sms-1d")) << r.output;
  const Poco::JSON::Object::Ptr a1 = by_key["A1/sms-1d"];
  EXPECT_GT(a1->getValue<int64_t>("id"), 0);
  EXPECT_EQ(a1->getValue<int64_t>("appointment_version"), 1);
  EXPECT_EQ(a1->getValue<std::string>("purpose"), "reminder");
  EXPECT_EQ(a1->getValue<std::string>("channel"), "sms");
  EXPECT_NE(a1->getValue<std::string>("contact").find('*'), std::string::npos);
  EXPECT_EQ(a1->getValue<std::string>("due_at"), "2026-11-24T08:00:00+01:00");
  EXPECT_EQ(a1->getValue<std::string>("deadline_at"), "2026-11-25T08:00:00+01:00");
  EXPECT_EQ(a1->getValue<std::string>("state"), "planned");
  EXPECT_GE(a1->getValue<int>("segments"), 1);
  EXPECT_FALSE(a1->has("last_error"));
  ASSERT_TRUE(by_key.count("A1/mail-2d")) << r.output;
  EXPECT_EQ(by_key["A1/mail-2d"]->getValue<std::string>("channel"), "email");
  auto skipped = root->getArray("skipped");
  std::map<std::string, std::string> by_kind;
  for (size_t i = 0; i < skipped->size(); ++i) {
    auto o = skipped->getObject(static_cast<unsigned>(i));
    by_kind[o->getValue<std::string>("appointment_id") + "/" + o->getValue<std::string>("kind")] =
        o->getValue<std::string>("reason") + " | " + o->getValue<std::string>("contact");
  }
  ASSERT_TRUE(by_kind.count("A5/landline")) << r.output;
  EXPECT_NE(by_kind["A5/landline"].find("not a mobile number"), std::string::npos);
  EXPECT_EQ(by_kind["A5/landline"].find("12345 "), std::string::npos);  // masked
  ASSERT_TRUE(by_kind.count("A5/no_consent")) << r.output;
  ASSERT_TRUE(by_kind.count("A4/timing")) << r.output;
  EXPECT_NE(by_kind["A4/timing"].find("only 1h remain"), std::string::npos) << by_kind["A4/timing"];

  // The text listing has the same rows.
  r = env_.Dispatcher({"plan", "--firm", "huber"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 message(s), "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("landline: not a mobile number"), std::string::npos) << r.output;
  r = env_.Dispatcher({"plan", "--firm", "nobody"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(DispatcherAppTest, HeartbeatOncePerDayThenAlarmAndOperatorAlarm) {
  IngestFirstExport();
  // Before 07:00: no heartbeat yet; maier never uploaded -> operator alarm.
  PassResult p = app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 0);
  EXPECT_EQ(p.heartbeat.operator_alarms, 2);  // SMS and e-mail to the operator
  p = app_->RunPass(At("2026-11-23T07:05:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 1);
  p = app_->RunPass(At("2026-11-23T12:00:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 0);  // once per day

  std::string body, purpose, appt, recipient;
  {
    PooledConnection c = db_->Connect();
    SqlStatement q(*c,
                   "SELECT body, purpose, appointment_id, recipient FROM messages WHERE "
                   "rule_id = 'heartbeat'");
    ASSERT_TRUE(q.Step());
    body = q.Text(0), purpose = q.Text(1), appt = q.Text(2), recipient = q.Text(3);
    EXPECT_FALSE(q.Step());
  }
  EXPECT_EQ(purpose, "heartbeat");
  EXPECT_EQ(appt, "2026-11-23");
  EXPECT_EQ(recipient, "+436649999999");
  EXPECT_NE(body.find("Letzter Export 22.11.2026 23:00 mit 5 Terminen"), std::string::npos) << body;
  EXPECT_NE(body.find("Heute 3 Nachrichten"), std::string::npos) << body;  // A1 mail, A2, A3
  EXPECT_NE(body.find("1 ungültiger Kontakt übersprungen"), std::string::npos) << body;  // the landline

  std::string op = Text("SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email'");
  EXPECT_NE(op.find("maier: noch nie ein Export"), std::string::npos) << op;

  // Two days later without an export: the firm's message is an alarm, and the
  // operator is told about huber too.
  p = app_->RunPass(At("2026-11-25T07:00:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 1);
  EXPECT_EQ(p.heartbeat.firm_alarms, 1);
  std::string alarm = Text(
      "SELECT body FROM messages WHERE rule_id = 'heartbeat' AND appointment_id = '2026-11-25'");
  EXPECT_NE(alarm.find("Kein Export seit 22.11.2026 23:00"), std::string::npos) << alarm;
  std::string op2 = Text(
      "SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email' AND "
      "appointment_id LIKE 'operator-2026-11-25-%'");
  EXPECT_NE(op2.find("huber): Kein Export seit 22.11.2026 23:00"), std::string::npos) << op2;
  EXPECT_NE(op2.find("maier: noch nie"), std::string::npos) << op2;
}

TEST_F(DispatcherAppTest, StalledDeliveryIsInTheHeartbeatAndTheOperatorAlarm) {
  IngestFirstExport();
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  // The SMS gateway refused A2's reminder (due 23.11. 09:30) with a transient error
  // and the outbox keeps retrying it: the state the outbox leaves while Kannel is
  // down (tests/delivery covers that part against the real Kannel).
  Exec(*db_,
       "UPDATE messages SET attempts = 3, last_error = '503 Service Unavailable' "
       "WHERE firm_id = 'huber' AND appointment_id = 'A2' AND state = 'planned'");
  ASSERT_EQ(Count("SELECT COUNT(*) FROM messages WHERE appointment_id = 'A2' AND attempts = 3"), 1);

  // 11:00: the export is fresh, but A2 has waited 1.5 h: the day's first heartbeat
  // says so, and the operator gets a second alarm for the new situation.
  PassResult p = app_->RunPass(At("2026-11-23T11:00:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 1);
  EXPECT_EQ(p.heartbeat.firm_alarms, 0);
  std::string body = Text(
      "SELECT body FROM messages WHERE rule_id = 'heartbeat' AND appointment_id = '2026-11-23' "
      "AND channel = 'sms'");
  EXPECT_NE(body.find("Zustellung gest"), std::string::npos) << body;
  EXPECT_NE(body.find("seit 23.11.2026 09:30: 1 Nachricht wartet"), std::string::npos) << body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE rule_id = 'alarm' AND channel = 'email'"), 2);
  std::string op = Text(
      "SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email' AND "
      "body LIKE '%Zustellung%'");
  EXPECT_NE(op.find("huber): Zustellung gestört seit 23.11.2026 09:30"), std::string::npos) << op;
  EXPECT_NE(op.find("maier: noch nie"), std::string::npos) << op;
}

TEST_F(DispatcherAppTest, RescheduleAndCancellationThroughIngest) {
  IngestFirstExport();
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  // A2's reminder went out (the outbox would set this).
  Exec(*db_, "UPDATE messages SET state = 'delivered' WHERE appointment_id = 'A2'");
  // New export at 10:00: A1 moved to 2026-11-27 10:00, A2 moved to 2026-11-26,
  // A3 (today 11:00) gone from the export after its reminder.
  Exec(*db_, "UPDATE messages SET state = 'accepted' WHERE appointment_id = 'A3'");
  auto ingest = env_.Ingest(
      *db_, "huber", At("2026-11-23T10:00:00+01:00"),
      {
          MakeAppt("A1", "2026-11-27", 10, 0, {SmsContact("0664 1111111"), MailContact("a1@example.at")}),
          MakeAppt("A2", "2026-11-26", 9, 40, {SmsContact("0664 2222222")}),
          MakeAppt("A4", "2026-11-23", 9, 0, {SmsContact("0664 4444444")}),
          MakeAppt("A5", "2026-11-26", 8, 0, {SmsContact("07252 12345")}),
      });
  ASSERT_EQ(ingest.outcome, IngestOutcome::kApplied) << ingest.reason;
  // The incremental pass plans exactly what the ingest reports changed.
  DispatcherApp::Puller puller = [&](Instant, const DispatcherApp::FirmDone&) {
    return std::vector<IngestResult>{ingest};
  };
  app_->set_puller(puller);
  PassResult p = app_->RunPass(At("2026-11-23T10:05:00+01:00"), /*full=*/false);
  EXPECT_GE(p.plan.appointments, 3);

  auto state_of = [&](const std::string& where) {
    return Text("SELECT state FROM messages WHERE " + where);
  };
  // A1: both pending reminders of version 1 cancelled, version 2 planned.
  EXPECT_EQ(state_of("appointment_id = 'A1' AND appointment_version = 1 AND rule_id = 'sms-1d'"),
            "cancelled");
  const int64_t due = Count(
      "SELECT due_at FROM messages WHERE appointment_id = 'A1' AND appointment_version = 2 "
      "AND rule_id = 'sms-1d'");
  EXPECT_EQ(FormatRfc3339(Instant(std::chrono::seconds(due)), kZone), "2026-11-26T10:00:00+01:00");
  // A2: already reminded -> change notice at once, plus the new reminder.
  EXPECT_EQ(state_of("appointment_id = 'A2' AND rule_id = 'change'"), "planned");
  std::string change_body =
      Text("SELECT body FROM messages WHERE appointment_id = 'A2' AND rule_id = 'change'");
  EXPECT_NE(change_body.find("Terminänderung: Ihr Rauchfangkehrer kommt zur Kehrung nun am "
                             "Donnerstag, 26. November 2026, 09:40 Uhr"),
            std::string::npos)
      << change_body;
  // A3: gone from the export after its reminder -> cancellation notice.
  EXPECT_EQ(state_of("appointment_id = 'A3' AND rule_id = 'cancellation'"), "planned");
  std::string cancel_body =
      Text("SELECT body FROM messages WHERE appointment_id = 'A3' AND rule_id = 'cancellation'");
  const int64_t cancel_due =
      Count("SELECT due_at FROM messages WHERE appointment_id = 'A3' AND rule_id = 'cancellation'");
  EXPECT_NE(cancel_body.find("entfällt"), std::string::npos) << cancel_body;
  EXPECT_EQ(FormatRfc3339(Instant(std::chrono::seconds(cancel_due)), kZone),
            "2026-11-23T10:05:00+01:00");
}

TEST_F(DispatcherAppTest, ChangedFirmRulesArePlannedForExistingAppointments) {
  IngestFirstExport();
  PassResult p = app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  EXPECT_EQ(p.plan.planned, 4);
  // Same policy again: nothing to plan, not even a read of the appointments.
  p = app_->RunPass(At("2026-11-23T06:01:00+01:00"), true);
  EXPECT_EQ(p.plan.appointments, 0);
  // The firm adds a rule: the next full pass adds its messages, keeps the rest.
  env_.Write("firms.d/huber.yaml",
             "id: huber\nsender_name: Huber RFK\nrules:\n"
             "  - {name: sms-1d, channel: sms, lead: 1d}\n"
             "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n"
             "  - {name: sms-2h, channel: sms, lead: 2h}\n"
             "heartbeat: {time: \"07:00\", contacts: [\"0664 9999999\"]}\n");
  DispatcherConfig changed = LoadDispatcherConfig(env_.config_path());
  DispatcherApp app(changed, *db_);
  p = app.RunPass(At("2026-11-23T06:02:00+01:00"), true);
  auto m = MessagesByKey();
  // 2h before 08:00 is 06:00, inside quiet hours: the evening before at 20:00.
  EXPECT_EQ(FormatRfc3339(m["A1/sms-2h"].due, kZone), "2026-11-24T20:00:00+01:00");
  // A3 (11:00 today) gets its 1-day reminder late, at 08:00: the 2-hour one at
  // 09:00 would repeat the same text an hour later, so the late one takes its
  // place (late_policy.replaces_within, 12 h).
  EXPECT_EQ(m.count("A3/sms-2h"), 0u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM skips WHERE appointment_id = 'A3' AND rule_id = 'sms-2h' "
                  "AND kind = 'duplicate' AND reason LIKE '%late reminder of rule sms-1d%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND rule_id = 'sms-1d'"), 3);
}

// Messages of a rule (heartbeat, alarm) as "channel due deadline" lines, by id.
std::vector<std::string> DueOf(Database& db, const std::string& where) {
  PooledConnection c = db.Connect();
  SqlStatement q(*c, "SELECT channel, appointment_id, due_at, deadline_at FROM messages WHERE " +
                         where + " ORDER BY id");
  std::vector<std::string> out;
  while (q.Step())
    out.push_back(q.Text(0) + " " + q.Text(1).substr(0, 19) + " " +
                  FormatRfc3339(Instant(std::chrono::seconds(q.Int(2))), kZone) + " " +
                  FormatRfc3339(Instant(std::chrono::seconds(q.Int(3))), kZone));
  return out;
}

TEST_F(DispatcherAppTest, LateHeartbeatAndOperatorAlarmSmsKeepQuietHours) {
  // The export header adds an e-mail heartbeat contact to the YAML's mobile number.
  auto r = env_.Ingest(*db_, "huber", At("2026-11-22T23:00:00+01:00"),
                       {MakeAppt("A1", "2026-11-25", 8, 0, {SmsContact("0664 1111111")})},
                       {HeartbeatContact{ContactChannel::kEmail, "buero@huber.example"}});
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  // 06:00, inside the operator's quiet hours: maier never uploaded. The alarm
  // e-mail goes at once, the alarm SMS at 08:00.
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  std::vector<std::string> alarms = DueOf(*db_, "rule_id = 'alarm'");
  ASSERT_EQ(alarms.size(), 2u);
  EXPECT_EQ(alarms[0], "sms operator-2026-11-23 2026-11-23T08:00:00+01:00 2026-11-24T00:00:00+01:00");
  EXPECT_EQ(alarms[1],
            "email operator-2026-11-23 2026-11-23T06:00:00+01:00 2026-11-24T00:00:00+01:00");

  // The dispatcher was down from 06:00 and comes back at 23:00: the day's
  // heartbeat e-mail goes at once; the SMS would wait until 08:00, after the
  // next heartbeat (07:00), so it is skipped with the reason.
  PassResult p = app_->RunPass(At("2026-11-23T23:00:00+01:00"), true);
  EXPECT_EQ(p.heartbeat.heartbeats, 1);
  EXPECT_EQ(DueOf(*db_, "rule_id = 'heartbeat'"),
            (std::vector<std::string>{
                "email 2026-11-23 2026-11-23T23:00:00+01:00 2026-11-24T00:00:00+01:00"}));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM skips WHERE rule_id = 'heartbeat' AND kind = 'timing' AND "
                  "reason LIKE '%quiet hours 20:00-08:00; the next heartbeat (2026-11-24 07:00)%'"),
            1);
  // The 23:00 pass planned the operator's SMS (maier still never uploaded) for
  // 08:00 under the next day's key, so the first pass after midnight (same
  // situation) adds no second SMS, and none goes out in the night.
  p = app_->RunPass(At("2026-11-24T00:30:00+01:00"), true);
  alarms = DueOf(*db_, "rule_id = 'alarm' AND channel = 'sms'");
  int next_morning = 0;
  for (const std::string& a : alarms) {
    EXPECT_EQ(a.find(" 2026-11-23T2"), std::string::npos) << a;  // none in the night
    if (a.find("2026-11-24T08:00:00+01:00") != std::string::npos) ++next_morning;
  }
  EXPECT_EQ(next_morning, 1) << ::testing::PrintToString(alarms);

  // A firm whose heartbeat time (09:00) is outside quiet hours: the late SMS
  // waits for 08:00 and is due before the next heartbeat.
  env_.Write("firms.d/huber.yaml",
             "id: huber\nsender_name: Huber RFK\n"
             "heartbeat: {time: \"09:00\", contacts: [\"0664 9999999\"]}\n");
  DispatcherConfig changed = LoadDispatcherConfig(env_.config_path());
  DispatcherApp app(changed, *db_);
  app.RunPass(At("2026-11-24T23:00:00+01:00"), true);
  EXPECT_EQ(DueOf(*db_, "rule_id = 'heartbeat' AND appointment_id = '2026-11-24' AND channel = 'sms'"),
            (std::vector<std::string>{
                "sms 2026-11-24 2026-11-25T08:00:00+01:00 2026-11-25T09:00:00+01:00"}));
}

TEST_F(DispatcherAppTest, MessageWithoutStreetIsSkippedAndTheHeartbeatSaysSo) {
  Appointment no_street = MakeAppt("A9", "2026-11-25", 8, 0, {SmsContact("0664 1111111")});
  no_street.object.street.clear();
  auto r = env_.Ingest(*db_, "huber", At("2026-11-22T23:00:00+01:00"), {no_street});
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  app_->RunPass(At("2026-11-23T07:05:00+01:00"), true);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE appointment_id = 'A9'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM skips WHERE appointment_id = 'A9' AND kind = "
                  "'missing_value' AND reason LIKE '%sms_reminder%<<Strasse>>%'"),
            1);
  std::string body =
      Text("SELECT body FROM messages WHERE rule_id = 'heartbeat' AND channel = 'sms'");
  EXPECT_NE(body.find("1 Nachricht nicht gesendet: fehlende Angaben (<<Strasse>>)."),
            std::string::npos)
      << body;
}

TEST_F(DispatcherAppTest, RemovedRuleIsWithdrawnAndChangedRulePlannedAgain) {
  IngestFirstExport();
  PassResult p = app_->RunPass(At("2026-11-23T06:00:00+01:00"), true);
  EXPECT_EQ(p.plan.planned, 4);
  // The firm drops its e-mail rule and moves the SMS to 2 days before.
  env_.Write("firms.d/huber.yaml",
             "id: huber\nsender_name: Huber RFK\nrules:\n"
             "  - {name: sms-1d, channel: sms, lead: 2d}\n"
             "heartbeat: {time: \"07:00\", contacts: [\"0664 9999999\"]}\n");
  DispatcherConfig changed = LoadDispatcherConfig(env_.config_path());
  DispatcherApp app(changed, *db_);
  p = app.RunPass(At("2026-11-23T06:02:00+01:00"), true);
  EXPECT_EQ(p.plan.cancelled, 1);
  auto m = MessagesByKey();
  EXPECT_EQ(m["A1/mail-2d"].state, MessageState::kCancelled);
  EXPECT_EQ(m["A1/mail-2d"].last_error,
            "withdrawn: rule mail-2d is no longer in the firm's configuration");
  // A1 (25.11. 08:00): 2 days before is 23.11. 08:00.
  EXPECT_EQ(m["A1/sms-1d"].state, MessageState::kPlanned);
  EXPECT_EQ(FormatRfc3339(m["A1/sms-1d"].due, kZone), "2026-11-23T08:00:00+01:00");
  EXPECT_EQ(m["A1/sms-1d"].reason, "sms-1d: 2d before");
  // A2 (24.11. 09:40): 2 days before has passed; late, at the end of quiet hours.
  EXPECT_EQ(FormatRfc3339(m["A2/sms-1d"].due, kZone), "2026-11-23T08:00:00+01:00");
  EXPECT_NE(m["A2/sms-1d"].reason.find("late"), std::string::npos) << m["A2/sms-1d"].reason;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND state = 'planned'"), 3);
  // Nothing is planned twice on the next pass.
  p = app.RunPass(At("2026-11-23T06:03:00+01:00"), true);
  EXPECT_EQ(p.plan.appointments, 0);

  db_.reset();
  auto r = env_.Dispatcher({"plan", "--firm", "huber"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The listing shows the withdrawn row with its reason.
  const size_t line = r.output.find("mail-2d: 2d before at 18:00 [withdrawn: rule mail-2d is no "
                                    "longer in the firm's configuration]");
  ASSERT_NE(line, std::string::npos) << r.output;
  const size_t begin = r.output.rfind('\n', line) + 1;
  EXPECT_NE(r.output.substr(begin, line - begin).find("cancelled"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kehrbote

namespace kehrbote {
namespace {

// The office corrects a street after the reminders were planned: the export
// keeps the appointment's time and contacts, so the store refreshes the version
// in place - and the pending texts must name the corrected address, both when
// the service loop plans what the pull changed and on a full pass (`once`).
class CorrectedAddressTest : public DispatcherAppTest,
                             public ::testing::WithParamInterface<bool> {};

TEST_P(CorrectedAddressTest, PendingTextsNameTheCorrectedAddress) {
  const bool full = GetParam();
  auto with_street = [](const char* street) {
    Appointment a = MakeAppt("A1", "2026-11-25", 8, 0, {SmsContact("0664 1111111")});
    a.object.street = street;
    return a;
  };
  auto first = env_.Ingest(*db_, "huber", At("2026-11-22T23:00:00+01:00"),
                           {with_street("Hauptstrase 1")});
  ASSERT_EQ(first.outcome, IngestOutcome::kApplied) << first.reason;
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), /*full=*/true);
  ASSERT_NE(MessagesByKey()["A1/sms-1d"].body.find("Hauptstrase 1, Steyr"), std::string::npos);

  auto fixed = env_.Ingest(*db_, "huber", At("2026-11-23T07:00:00+01:00"),
                           {with_street("Hauptstraße 1")});
  ASSERT_EQ(fixed.outcome, IngestOutcome::kApplied) << fixed.reason;
  EXPECT_EQ(fixed.refreshed, 1);
  EXPECT_TRUE(fixed.changed_ids.empty());
  EXPECT_EQ(fixed.refreshed_ids, std::vector<std::string>{"A1"});
  app_->set_puller([&](Instant, const DispatcherApp::FirmDone& done) {
    done("huber");
    return std::vector<IngestResult>{fixed};
  });
  app_->RunPass(At("2026-11-23T07:05:00+01:00"), full);

  auto m = MessagesByKey();
  EXPECT_NE(m["A1/sms-1d"].body.find("Hauptstraße 1, Steyr"), std::string::npos) << m["A1/sms-1d"].body;
  EXPECT_EQ(m["A1/sms-1d"].state, MessageState::kPlanned);
  // Written again in place: still one reminder for the appointment.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE appointment_id = 'A1' AND rule_id = 'sms-1d'"), 1);
  // And a later full pass finds nothing left to do.
  app_->set_puller(nullptr);
  EXPECT_EQ(app_->RunPass(At("2026-11-23T07:10:00+01:00"), true).plan.appointments, 0);
}

INSTANTIATE_TEST_SUITE_P(Passes, CorrectedAddressTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "FullPass" : "ChangedOnly"; });

}  // namespace
}  // namespace kehrbote

namespace kehrbote {
namespace {

// The service loop plans only the firms its pull brought news of - and when an
// export's header gives the firm a new phone number, that is news for every
// pending text (<<KehrbetriebTelefon>>), not only for changed appointments.
TEST_F(DispatcherAppTest, ChangedOnlyPassRewritesPendingTextsForANewFirmPhone) {
  std::vector<Appointment> appts = {
      MakeAppt("A1", "2026-11-25", 8, 0, {SmsContact("0664 1111111")}),
      MakeAppt("A2", "2026-11-26", 9, 0, {SmsContact("0664 2222222")})};
  auto first = env_.Ingest(*db_, "huber", At("2026-11-22T23:00:00+01:00"), appts);
  ASSERT_EQ(first.outcome, IngestOutcome::kApplied) << first.reason;
  app_->RunPass(At("2026-11-23T06:00:00+01:00"), /*full=*/true);
  ASSERT_NE(MessagesByKey()["A2/sms-1d"].body.find("07252 / 12345"), std::string::npos);

  auto next = env_.Ingest(*db_, "huber", At("2026-11-23T07:00:00+01:00"), appts, {},
                          "07252 / 99999");
  ASSERT_EQ(next.outcome, IngestOutcome::kApplied) << next.reason;
  EXPECT_TRUE(next.changed_ids.empty());
  app_->set_puller([&](Instant, const DispatcherApp::FirmDone&) {
    return std::vector<IngestResult>{next};
  });
  PassResult p = app_->RunPass(At("2026-11-23T07:05:00+01:00"), /*full=*/false);
  EXPECT_EQ(p.plan.appointments, 2);
  for (const char* key : {"A1/sms-1d", "A2/sms-1d"})
    EXPECT_NE(MessagesByKey()[key].body.find("Bitte melden: 07252 / 99999"), std::string::npos)
        << key << ": " << MessagesByKey()[key].body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND rule_id = 'sms-1d'"), 2);
}

// One firm never stops another: a firm file in Windows-1252, a firm whose
// stored appointment cannot be read and a firm whose stored phone is not UTF-8
// are each reported (operator alarm, the firm's heartbeat) while the good
// firm's reminders are planned and handed to the sender as usual.
TEST(FirmIsolationTest, OneBrokenFirmNeverStopsAnother) {
  test::AppEnv env;
  env.WriteConfig("operator_contacts: [ops@example.at]\n");
  env.Write("firms.d/huber.yaml", kHuber);
  env.Write("firms.d/bad.yaml",
            "id: bad\nsender_name: Bad RFK\nheartbeat: {time: \"07:00\", contacts: [\"0664 8888888\"]}\n");
  env.Write("firms.d/ugly.yaml", "id: ugly\nsender_name: Ugly RFK\n");
  env.Write("firms.d/broken.yaml", "id: broken\nname: RFK Gr\xFC" "ber\n");
  DispatcherConfig config = LoadDispatcherConfig(env.config_path());
  auto db = Database::Open(env.store_url());
  DispatcherApp app(config, *db);
  app.Migrate();
  const Instant exported = At("2026-11-22T23:00:00+01:00");
  ASSERT_EQ(env.Ingest(*db, "huber", exported,
                       {MakeAppt("A2", "2026-11-24", 9, 40, {SmsContact("0664 2222222")}),
                        MakeAppt("A3", "2026-11-23", 11, 0, {SmsContact("0664 3333333")})})
                .outcome,
            IngestOutcome::kApplied);
  ASSERT_EQ(env.Ingest(*db, "bad", exported,
                       {MakeAppt("B1", "2026-11-25", 9, 0, {SmsContact("0664 4444444")})})
                .outcome,
            IngestOutcome::kApplied);
  ASSERT_EQ(env.Ingest(*db, "ugly", exported,
                       {MakeAppt("U1", "2026-11-25", 9, 0, {SmsContact("0664 5555555")})})
                .outcome,
            IngestOutcome::kApplied);
  Exec(*db, "UPDATE appointment_versions SET data = '{' WHERE firm_id = 'bad'");
  Exec(*db, "UPDATE firms SET phone = CAST(X'3037FC' AS TEXT) WHERE id = 'ugly'");
  std::vector<std::string> handed;  // huber's messages the sender saw due
  app.set_sender([&](Instant at) {
    PooledConnection c = db->Connect();
    SqlStatement q(*c,
                   "SELECT appointment_id FROM messages WHERE firm_id = 'huber' AND "
                   "rule_id = 'sms-1d' AND due_at <= ? ORDER BY appointment_id");
    q.Bind(1, std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
    std::vector<std::string> ids;
    while (q.Step()) ids.push_back(q.Text(0));
    handed = ids;
    SendCounts counts;
    counts.claimed = static_cast<int>(ids.size());
    return counts;
  });

  PassResult p = app.RunPass(At("2026-11-23T06:00:00+01:00"), true);
  EXPECT_EQ(p.plan.planned, 2);  // A2 and A3 of huber
  p = app.RunPass(At("2026-11-23T09:35:00+01:00"), true);
  EXPECT_EQ(handed, (std::vector<std::string>{"A2", "A3"}));

  std::vector<std::string> alarms = TextsOf(
      *db, "SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email' ORDER BY id");
  ASSERT_FALSE(alarms.empty());
  const std::string& alarm = alarms.back();
  EXPECT_NE(alarm.find("broken.yaml:2:13: invalid UTF-8"), std::string::npos) << alarm;
  EXPECT_NE(alarm.find("bad: planning failed"), std::string::npos) << alarm;
  EXPECT_NE(alarm.find("ugly: planning failed"), std::string::npos) << alarm;
  EXPECT_EQ(alarm.find("huber"), std::string::npos) << alarm;
  std::string heartbeat =
      TextOf(*db, "SELECT body FROM messages WHERE firm_id = 'bad' AND rule_id = 'heartbeat'");
  EXPECT_NE(heartbeat.find("Störung: Planung fehlgeschlagen"), std::string::npos) << heartbeat;
  std::string huber_heartbeat =
      TextOf(*db, "SELECT body FROM messages WHERE firm_id = 'huber' AND rule_id = 'heartbeat'");
  EXPECT_EQ(huber_heartbeat.find("Störung"), std::string::npos) << huber_heartbeat;
  EXPECT_NE(huber_heartbeat.find("Kehrbote Kontrolle"), std::string::npos) << huber_heartbeat;
}

}  // namespace
}  // namespace kehrbote
