// `kehrbote-dispatcher run`: plans at start, keeps running, and stops cleanly on
// SIGTERM and SIGINT.
#include <csignal>
#include <thread>

#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/app/service_loop.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"

namespace kehrbote {
namespace {

using namespace Poco::Data::Keywords;
using test::MakeAppt;
using test::SmsContact;

// An appointment two days after the real now, so its reminder is in the future.
Appointment Upcoming() {
  const auto day = std::chrono::floor<std::chrono::days>(
      ToLocal(SystemClock().Now() + std::chrono::hours{48}, "Europe/Vienna"));
  return MakeAppt("A1", FormatLocalDate(day).c_str(), 12, 0, {SmsContact("0664 1231231")});
}

// Firm huber's store with one upcoming appointment.
void IngestUpcoming(test::AppEnv& env) {
  auto db = Database::Open(env.store_url());
  MigrateStore(*db);
  auto r = env.Ingest(*db, "huber", SystemClock().Now(), {Upcoming()});
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
}

// `kehrbote-dispatcher run` on env's config, logging to run.log.
test::ChildProcess StartRun(test::AppEnv& env) {
  test::ChildOptions o;
  o.argv = {std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher", "--config",
            env.config_path(), "run"};
  o.output_file = env.Sub("run.log");
  return test::ChildProcess::Spawn(o);
}

class ServiceLoopTest : public ::testing::TestWithParam<int> {};

TEST_P(ServiceLoopTest, RunPlansThenStopsOnSignal) {
  test::AppEnv env;
  env.WriteConfig("poll_interval: 1s\n");
  env.Write("firms.d/huber.yaml", "id: huber\n");
  ASSERT_NO_FATAL_FAILURE(IngestUpcoming(env));
  test::ChildProcess child = StartRun(env);

  // The first pass plans the reminder.
  auto db = Database::Open(env.store_url());
  Poco::Int64 n = 0;
  for (int i = 0; i < 100 && n == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      auto s = db->GetSession();
      s << "SELECT COUNT(*) FROM messages WHERE firm_id = 'huber'", into(n), now;
    } catch (const std::exception&) {
      // Tables not created yet.
    }
  }
  EXPECT_EQ(n, 1);
  EXPECT_TRUE(child.Running());
  child.Kill(GetParam());
  auto status = child.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "did not stop on signal " << GetParam();
  EXPECT_EQ(*status, 0);
  std::string log = test::RunCommand({"cat", env.Sub("run.log")}).output;
  EXPECT_NE(log.find("stopping"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped after"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Signals, ServiceLoopTest, ::testing::Values(SIGTERM, SIGINT));

using test::Within20s;

// `run` reads a changed firm file before its next pass: a new rule is planned
// without a restart; a bad file keeps the last good config, and the log and the
// operator alarm name file:line.
TEST(ServiceLoopReloadTest, ChangedFirmFileIsReadWithoutARestart) {
  test::AppEnv env;
  env.WriteConfig("poll_interval: 1s\noperator_contacts: [ops@example.at]\n");
  env.Write("firms.d/huber.yaml", "id: huber\n");
  ASSERT_NO_FATAL_FAILURE(IngestUpcoming(env));
  test::ChildProcess child = StartRun(env);
  auto db = Database::Open(env.store_url());
  auto planned = [&] {
    auto s = db->GetSession();
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND state = 'planned'", into(n), now;
    return n;
  };
  EXPECT_TRUE(Within20s([&] { return planned() == 1; })) << planned();

  env.Write("firms.d/huber.yaml",
            "id: huber\nrules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
            "  - {name: sms-eve, channel: sms, lead: 1d, at: \"18:00\"}\n");
  EXPECT_TRUE(Within20s([&] { return planned() == 2; })) << planned();

  env.Write("firms.d/huber.yaml", "id: huber\ncountry: ZZ\nrules: []\n");
  auto log = [&] { return test::RunCommand({"cat", env.Sub("run.log")}).output; };
  EXPECT_TRUE(Within20s([&] { return log().find("huber.yaml:2:10") != std::string::npos; }))
      << log();
  auto alarm = [&] {
    auto s = db->GetSession();
    std::vector<std::string> bodies;
    s << "SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email'", into(bodies),
        now;
    for (const std::string& b : bodies)
      if (b.find("huber.yaml:2:10") != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(Within20s(alarm));
  // The last good config stays: both reminders are still planned.
  EXPECT_EQ(planned(), 2);
  EXPECT_TRUE(child.Running());
  child.Kill(SIGTERM);
  auto status = child.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_NE(log().find("keeps its last good config"), std::string::npos) << log();
}

TEST(ServiceLoopObjectTest, WakesForDueMessageNotEverySecond) {
  // In-process: a loop with a long poll interval does few passes in 2 s, and
  // Stop() ends it promptly.
  test::AppEnv env;
  env.WriteConfig("poll_interval: 1h\n");
  env.Write("firms.d/huber.yaml", "id: huber\n");
  DispatcherConfig config = LoadDispatcherConfig(env.config_path());
  auto db = Database::Open(env.store_url());
  DispatcherApp app(config, *db);
  app.Migrate();
  SystemClock clock;
  std::ostringstream log;
  ServiceLoop loop(app, clock, log);
  std::thread t([&] { loop.Run(/*handle_signals=*/false); });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto stop_at = std::chrono::steady_clock::now();
  loop.Stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::seconds(2));
  EXPECT_EQ(loop.passes(), 1) << log.str();  // the start pass; nothing due, no poll due
}

}  // namespace
}  // namespace kehrbote
