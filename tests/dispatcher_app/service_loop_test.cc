// `kehrbote-dispatcher run`: plans at start, keeps running, and stops cleanly on
// SIGTERM and SIGINT.
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/app/service_loop.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"

namespace kehrbote {
namespace {

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

  // The first pass plans the reminder. The dispatcher is another process that
  // tells only through its store: bounded polling.
  auto db = Database::Open(env.store_url());
  int64_t n = 0;
  for (int i = 0; i < 100 && n == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      n = test::IntOf(*db, "SELECT COUNT(*) FROM messages WHERE firm_id = 'huber'");
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
    return test::IntOf(
        *db, "SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND state = 'planned'");
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
    for (const std::string& b : test::TextsOf(
             *db, "SELECT body FROM messages WHERE rule_id = 'alarm' AND channel = 'email'"))
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

// In virtual time: the loop waits on its VirtualClock, the test moves the clock to
// each wake-up the loop asked for (AwaitAlarm with one alarm per lane is the
// synchronisation point: both lanes have finished their work and wait), no real
// time passes.
constexpr auto kAwait = std::chrono::seconds{30};
const Instant kStart = *ParseRfc3339("2026-11-23T08:00:00+01:00");  // heartbeat past

// Firm huber in a store of its own, with a sender that records when it was asked
// to send; the loop itself is started by the test.
struct VirtualLoopEnv {
  explicit VirtualLoopEnv(const std::string& poll_interval) {
    env.WriteConfig("poll_interval: " + poll_interval + "\n");
    env.Write("firms.d/huber.yaml", "id: huber\n");
    config = LoadDispatcherConfig(env.config_path());
    db = Database::Open(env.store_url());
    app = std::make_unique<DispatcherApp>(config, *db);
    app->Migrate();
    app->set_sender([this](Instant now) {
      std::lock_guard<std::mutex> lock(mu);
      sent_at.push_back(now);
      sent.notify_all();
      return SendCounts{};
    });
  }
  // Plans one SMS reminder for tomorrow noon; returns its due time.
  Instant PlanReminder() {
    auto r = env.Ingest(*db, "huber", kStart,
                        {MakeAppt("A1", "2026-11-24", 12, 0, {SmsContact("0664 1231231")})});
    EXPECT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
    app->PlanAll(kStart);
    const int64_t due = test::IntOf(
        *db, "SELECT MIN(due_at) FROM messages WHERE firm_id = 'huber' AND state = 'planned'");
    return Instant{std::chrono::seconds{due}};
  }
  // Waits (bounded) until the sender was asked to send at `at`.
  bool SentAt(Instant at) {
    std::unique_lock<std::mutex> lock(mu);
    return sent.wait_for(lock, kAwait, [&] {
      return std::find(sent_at.begin(), sent_at.end(), at) != sent_at.end();
    });
  }

  test::AppEnv env;
  DispatcherConfig config;
  std::unique_ptr<Database> db;
  std::unique_ptr<DispatcherApp> app;
  std::mutex mu;
  std::condition_variable sent;
  std::vector<Instant> sent_at;  // guarded by mu
};

TEST(ServiceLoopObjectTest, WakesForTheNextPollNotEverySecond) {
  VirtualLoopEnv v("1h");
  VirtualClock clock(kStart);
  std::ostringstream log;
  Logger logger(std::make_shared<StreamLogSink>(log));
  ServiceLoop loop(*v.app, clock, logger);
  std::thread t([&] { loop.Run(/*handle_signals=*/false); });

  EXPECT_EQ(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), kStart + std::chrono::hours{1});
  EXPECT_EQ(loop.passes(), 1) << log.str();  // the start pass; nothing due, no poll due
  clock.Advance(std::chrono::minutes{59});
  EXPECT_EQ(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), kStart + std::chrono::hours{1});
  EXPECT_EQ(loop.passes(), 1) << log.str();
  clock.Advance(std::chrono::minutes{1});  // the poll is due
  EXPECT_EQ(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), kStart + std::chrono::hours{2});
  EXPECT_EQ(loop.passes(), 2) << log.str();

  const auto stop_at = std::chrono::steady_clock::now();
  loop.Stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::seconds(2));
}

// A planned message wakes the delivery lane at its due time, before the next
// poll, and is handed to the sender then; no pass runs for it.
TEST(ServiceLoopObjectTest, SendsAPlannedMessageWhenItFallsDue) {
  VirtualLoopEnv v("1d");
  const Instant due = v.PlanReminder();
  ASSERT_LT(due, kStart + std::chrono::hours{24}) << FormatRfc3339Utc(due);
  VirtualClock clock(kStart);
  std::ostringstream log;
  Logger logger(std::make_shared<StreamLogSink>(log));
  ServiceLoop loop(*v.app, clock, logger);
  std::thread t([&] { loop.Run(/*handle_signals=*/false); });

  EXPECT_EQ(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), due) << log.str();
  EXPECT_EQ(loop.passes(), 1) << log.str();
  clock.Set(due);
  EXPECT_TRUE(v.SentAt(due)) << log.str();
  EXPECT_NE(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), std::nullopt);
  EXPECT_EQ(loop.passes(), 1) << log.str();
  loop.Stop();
  t.join();
}

// A pass that takes long (here: a pull that does not end until the test lets
// it) does not hold back a message falling due meanwhile.
TEST(ServiceLoopObjectTest, SendsADueMessageWhileAPullIsInProgress) {
  VirtualLoopEnv v("1d");
  const Instant due = v.PlanReminder();
  std::mutex pull_mu;
  std::condition_variable pull_cv;
  bool pulling = false, release = false;
  v.app->set_puller([&](Instant, const DispatcherApp::FirmDone&) {
    std::unique_lock<std::mutex> lock(pull_mu);
    pulling = true;
    pull_cv.notify_all();
    pull_cv.wait_for(lock, kAwait, [&] { return release; });
    return std::vector<IngestResult>{};
  });
  VirtualClock clock(kStart);
  std::ostringstream log;
  Logger logger(std::make_shared<StreamLogSink>(log));
  ServiceLoop loop(*v.app, clock, logger);
  std::thread t([&] { loop.Run(/*handle_signals=*/false); });
  {
    std::unique_lock<std::mutex> lock(pull_mu);
    ASSERT_TRUE(pull_cv.wait_for(lock, kAwait, [&] { return pulling; }));
  }
  // Only the delivery lane waits; the planning lane is in its pull.
  EXPECT_EQ(clock.AwaitAlarm(kAwait, 1), due) << log.str();
  clock.Set(due);
  EXPECT_TRUE(v.SentAt(due)) << log.str();
  EXPECT_EQ(loop.passes(), 0) << log.str();  // the pull is still running
  {
    std::lock_guard<std::mutex> lock(pull_mu);
    release = true;
    pull_cv.notify_all();
  }
  EXPECT_NE(clock.AwaitAlarm(kAwait, ServiceLoop::kLanes), std::nullopt);
  EXPECT_EQ(loop.passes(), 1) << log.str();
  loop.Stop();
  t.join();
}

}  // namespace
}  // namespace kehrbote
