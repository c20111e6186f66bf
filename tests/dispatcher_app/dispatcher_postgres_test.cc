// Two kehrbote-dispatcher processes on one PostgreSQL plan at the same time:
// no message may be planned twice, none may be missing.
#include <gtest/gtest.h>

#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/postgres_server.h"

namespace kehrbote {
namespace {

using test::At;
using test::IntOf;
using test::MailContact;
using test::MakeAppt;
using test::SmsContact;

TEST(DispatcherPostgresTest, TwoDispatchersPlanNoMessageTwice) {
  test::PostgresServer& pg = test::SharedPostgresServer();
  const std::string url = pg.CreateDatabase("planning_two_dispatchers");
  test::AppEnv env(url);
  env.WriteConfig();
  constexpr int kFirms = 8, kAppointments = 40;
  for (int f = 0; f < kFirms; ++f)
    env.Write("firms.d/f" + std::to_string(f) + ".yaml",
              "id: f" + std::to_string(f) +
                  "\nrules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
                  "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n"
                  "heartbeat: {contacts: [\"0664 700000" + std::to_string(f) + "\"]}\n");
  {
    auto db = Database::Open(url);
    MigrateStore(*db);
    for (int f = 0; f < kFirms; ++f) {
      std::vector<Appointment> appts;
      for (int i = 0; i < kAppointments; ++i) {
        const std::string n = std::to_string(1000000 + f * 1000 + i);
        appts.push_back(MakeAppt("A" + std::to_string(i), i % 2 ? "2026-11-26" : "2026-11-27",
                                 8 + i % 8, 0,
                                 {SmsContact(("0664 " + n).c_str()),
                                  MailContact(("k" + n + "@example.at").c_str())}));
      }
      auto r = env.Ingest(*db, "f" + std::to_string(f), At("2026-11-23T05:00:00+01:00"), appts);
      ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
    }
  }

  // Both at once, same instant (after the heartbeat time).
  const std::string bin = std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
  std::vector<test::ChildProcess> children;
  for (int i = 0; i < 2; ++i) {
    test::ChildOptions o;
    o.argv = {bin, "--config", env.config_path(), "once", "--now", "2026-11-23T07:30:00+01:00"};
    o.output_file = env.Sub("dispatcher" + std::to_string(i) + ".log");
    children.push_back(test::ChildProcess::Spawn(o));
  }
  for (auto& c : children) {
    auto status = c.Wait(std::chrono::seconds(90));
    ASSERT_TRUE(status.has_value()) << "dispatcher did not finish";
    EXPECT_EQ(*status, 0);
  }

  auto db = Database::Open(url);
  const int64_t total = IntOf(*db, "SELECT COUNT(*) FROM messages WHERE rule_id <> 'heartbeat'");
  const int64_t distinct =
      IntOf(*db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT firm_id, appointment_id, contact_key, rule_id "
            "FROM messages WHERE rule_id <> 'heartbeat') d");
  const int64_t heartbeats =
      IntOf(*db, "SELECT COUNT(*) FROM messages WHERE rule_id = 'heartbeat'");
  const int64_t versions = IntOf(*db, "SELECT COUNT(*) FROM planned_versions");
  EXPECT_EQ(total, kFirms * kAppointments * 2);  // one SMS and one e-mail each
  EXPECT_EQ(distinct, total);
  EXPECT_EQ(heartbeats, kFirms);  // one per firm and day
  EXPECT_EQ(versions, kFirms * kAppointments);
}

}  // namespace
}  // namespace kehrbote
