// `kehrbote-dispatcher send` end to end through Kannel's fake SMSC: a manual
// send to a filtered list goes through the outbox like the reminders, one SMS
// per recipient arrives, once, however often the send is confirmed, and the
// messages appear in `report protocol`.
#include <set>

#include <gtest/gtest.h>

#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/kannel_server.h"
#include "tests/support/tcp_port.h"

namespace kehrbote {
namespace {

std::string Dispatcher() {
  return std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
}

test::CommandResult RunDispatcher(test::AppEnv& env, std::vector<std::string> args) {
  std::vector<std::string> argv = {Dispatcher(), "--config", env.config_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::RunCommand(argv);
}

TEST(ManualSendKannelTest, FilteredListGetsOneSmsEachOnce) {
  test::KannelServer kannel;
  kannel.Start();
  test::AppEnv env;
  const int http_port = test::FreeTcpPort();
  env.WriteConfig("http: {listen: 127.0.0.1, port: " + std::to_string(http_port) +
                  ", public_url: \"http://127.0.0.1:" + std::to_string(http_port) + "\"}\n"
                  "delivery:\n  sms:\n    provider: kannel\n    kannel:\n"
                  "      sendsms_url: \"" + kannel.SendsmsUrl() + "\"\n"
                  "      username: " + kannel.options().username + "\n"
                  "      password: \"" + kannel.options().password + "\"\n");
  // No quiet hours: the test may run at any hour.
  env.Write("firms.d/huber.yaml",
            "id: huber\nsender_name: RFK Huber\nquiet_hours: {from: \"00:00\", to: \"00:00\"}\n");
  {
    auto db = Database::Open(env.store_url());
    MigrateStore(*db);
    const auto day = std::chrono::floor<std::chrono::days>(
        ToLocal(SystemClock().Now() + std::chrono::hours{96}, "Europe/Vienna"));
    const std::string d = FormatLocalDate(day);
    auto r = env.Ingest(*db, "huber", SystemClock().Now(),
                        {test::MakeAppt("A1", d.c_str(), 9, 0, {test::SmsContact("0664 1111111")}),
                         test::MakeAppt("A2", d.c_str(), 10, 0, {test::SmsContact("0664 2222222")}),
                         test::MakeAppt("A3", d.c_str(), 11, 0,
                                        {test::SmsContact("0664 3333333", /*consent=*/false)})});
    ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  }
  const std::vector<std::string> send = {"send", "--firm", "huber", "--all", "--text",
                                         "Termin <<Uhrzeit>> entfällt. <<Kehrbetrieb>>",
                                         "--confirm"};
  test::CommandResult first = RunDispatcher(env, send);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("enqueued 2 message(s)"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("no_consent"), std::string::npos) << first.output;
  test::CommandResult pass = RunDispatcher(env, {"once", "--receipt-wait", "20"});
  ASSERT_EQ(pass.exit_code, 0) << pass.output;
  std::vector<test::FakeSmscMessage> got = kannel.WaitForReceived(2, std::chrono::seconds(20));
  ASSERT_EQ(got.size(), 2u) << kannel.LogTail();
  std::set<std::string> texts, to;
  for (const test::FakeSmscMessage& m : got) {
    texts.insert(m.text);
    to.insert(m.to);
  }
  // <<Kehrbetrieb>>: the firm name of the export header ("RFK huber").
  EXPECT_TRUE(texts.count("Termin 09:00 entfällt. RFK huber")) << *texts.begin();
  EXPECT_TRUE(texts.count("Termin 10:00 entfällt. RFK huber"));

  // The same confirmed request again: nothing new is enqueued or sent.
  test::CommandResult again = RunDispatcher(env, send);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("was confirmed before: nothing enqueued"), std::string::npos)
      << again.output;
  ASSERT_EQ(RunDispatcher(env, {"once"}).exit_code, 0);
  auto db = Database::Open(env.store_url());
  EXPECT_EQ(test::IntOf(*db, "SELECT COUNT(*) FROM messages WHERE rule_id = 'manual'"), 2);
  EXPECT_EQ(kannel.Received().size(), 2u);

  test::CommandResult protocol =
      RunDispatcher(env, {"report", "protocol", "--firm", "huber", "--format", "csv"});
  ASSERT_EQ(protocol.exit_code, 0) << protocol.output;
  for (const char* text : {"Termin 09:00 entfällt", "Termin 10:00 entfällt"}) {
    const size_t at = protocol.output.find(text);
    ASSERT_NE(at, std::string::npos) << protocol.output;
    const size_t line = protocol.output.rfind('\n', at) + 1;
    EXPECT_NE(protocol.output.substr(line, at - line).find(",manual,1,delivered,"),
              std::string::npos)
        << protocol.output;
  }
}

}  // namespace
}  // namespace kehrbote
