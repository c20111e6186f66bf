// Two kehrbote-dispatcher processes on one PostgreSQL plan at the same time:
// no message may be planned twice, none may be missing. With a pull, they share
// the firms: every export applied once, every firm planned once.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "dispatcher/store/store_schema.h"
#include "shared/export/export_writer.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/postgres_server.h"
#include "tests/support/sshd_server.h"

namespace kehrbote {
namespace {

using test::At;
using test::IntOf;
using test::MailContact;
using test::MakeAppt;
using test::SmsContact;

// Runs `once` in `n` processes at the same instant; expects each to succeed.
void RunOnceTogether(test::AppEnv& env, int n) {
  const std::string bin = std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
  std::vector<test::ChildProcess> children;
  for (int i = 0; i < n; ++i) {
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
}

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
  RunOnceTogether(env, 2);

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

// The whole pass in two processes: pull from the SFTP drop, ingest, planning,
// heartbeat. Each firm's export is applied by one of them, each firm planned
// once, one heartbeat per firm, and every file leaves the inbox.
TEST(DispatcherPostgresTest, TwoDispatchersShareThePullAndPlanEachFirmOnce) {
  namespace fs = std::filesystem;
  test::SshdServer sshd;
  sshd.Start();
  const std::string url = test::SharedPostgresServer().CreateDatabase("two_dispatchers_pull");
  test::AppEnv env(url);
  env.WriteConfig("sftp: {host: " + sshd.host() + ", port: " + std::to_string(sshd.port()) +
                  ", user: " + sshd.user() + ", key: " + sshd.client_key_path() +
                  ", known_hosts: " + sshd.known_hosts_path() + "}\n");
  constexpr int kFirms = 24, kAppointments = 30;
  for (int f = 0; f < kFirms; ++f) {
    const std::string id = "f" + std::to_string(f);
    env.Write("firms.d/" + id + ".yaml",
              "id: " + id + "\ninbox: " + sshd.RemotePath("inbox/" + id) +
                  "\nrules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
                  "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n"
                  "heartbeat: {contacts: [\"0664 70000" +
                  std::to_string(10 + f) + "\"]}\n");
    const fs::path inbox = fs::path(sshd.data_root()) / "inbox" / id;
    fs::create_directories(inbox);
    ExportHeader h;
    h.firm.id = id;
    h.firm.name = "RFK " + id;
    h.firm.timezone = "Europe/Vienna";
    h.firm.country = "AT";
    h.firm.phone = "07252 / 12345";
    h.generated_at = At("2026-11-23T05:00:00+01:00");
    h.window_from = *ParseLocalDate("2026-11-01");
    h.window_to = *ParseLocalDate("2026-12-31");
    const std::string path = (inbox / (id + "-1.json")).string();
    std::ofstream out(path, std::ios::binary);
    ExportWriter writer(out, h, path);
    for (int i = 0; i < kAppointments; ++i) {
      const std::string n = std::to_string(1000000 + f * 1000 + i);
      writer.Add(MakeAppt(
          "A" + std::to_string(i), i % 2 ? "2026-11-26" : "2026-11-27", 8 + i % 8, 0,
          {SmsContact(("0664 " + n).c_str()), MailContact(("k" + n + "@example.at").c_str())}));
    }
    writer.Finish();
  }

  RunOnceTogether(env, 2);

  auto db = Database::Open(url);
  EXPECT_EQ(IntOf(*db, "SELECT COUNT(*) FROM processed_files WHERE outcome = 'applied'"), kFirms);
  EXPECT_EQ(IntOf(*db, "SELECT COUNT(*) FROM appointments"), kFirms * kAppointments);
  const int64_t total = IntOf(*db, "SELECT COUNT(*) FROM messages WHERE rule_id <> 'heartbeat'");
  EXPECT_EQ(total, kFirms * kAppointments * 2);  // one SMS and one e-mail each
  EXPECT_EQ(IntOf(*db,
                  "SELECT COUNT(*) FROM (SELECT DISTINCT firm_id, appointment_id, contact_key, "
                  "rule_id FROM messages WHERE rule_id <> 'heartbeat') d"),
            total);
  EXPECT_EQ(IntOf(*db, "SELECT COUNT(*) FROM messages WHERE rule_id = 'heartbeat'"), kFirms);
  EXPECT_EQ(IntOf(*db, "SELECT COUNT(DISTINCT firm_id) FROM messages WHERE rule_id = 'heartbeat'"),
            kFirms);
  EXPECT_EQ(IntOf(*db, "SELECT COUNT(*) FROM planned_versions"), kFirms * kAppointments);
  for (int f = 0; f < kFirms; ++f) {
    const fs::path inbox = fs::path(sshd.data_root()) / "inbox" / ("f" + std::to_string(f));
    EXPECT_TRUE(fs::exists(inbox / "processed" / ("f" + std::to_string(f) + "-1.json"))) << f;
    EXPECT_FALSE(fs::exists(inbox / ("f" + std::to_string(f) + "-1.json"))) << f;
  }
}

}  // namespace
}  // namespace kehrbote
