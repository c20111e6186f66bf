// One firm never stops another, at the pull: a firm whose export is
// refused and a firm whose inbox cannot be read are reported for that firm (the
// operator alarm, the firm's heartbeat), not only in the log, while the good
// firm's reminders are planned as usual. `once` pulls from a real sshd.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/plan_store/plan_store.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/sshd_server.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::At;
using test::MakeAppt;
using test::SmsContact;

std::string FirmFile(const std::string& id, const test::SshdServer& sshd, const char* heartbeat) {
  return "id: " + id + "\ninbox: " + sshd.RemotePath("inbox/" + id) + "\nsender_name: RFK " + id +
         "\nrules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
         "heartbeat: {time: \"07:00\", contacts: [\"" + heartbeat + "\"]}\n";
}

std::string Body(Database& db, const std::string& where) {
  std::vector<std::string> bodies =
      test::TextsOf(db, "SELECT body FROM messages WHERE " + where + " ORDER BY id");
  return bodies.empty() ? "" : bodies.back();
}

TEST(PullProblemsTest, RefusedExportAndUnreadableInboxAreReportedForTheirFirm) {
  test::SshdServer sshd;
  sshd.Start();
  test::AppEnv env;
  env.WriteConfig("operator_contacts: [ops@example.at]\n"
                  "sftp: {host: " + sshd.host() + ", port: " + std::to_string(sshd.port()) +
                  ", user: " + sshd.user() + ", key: " + sshd.client_key_path() +
                  ", known_hosts: " + sshd.known_hosts_path() + "}\n");
  env.Write("firms.d/huber.yaml", FirmFile("huber", sshd, "0664 9999999"));
  env.Write("firms.d/maier.yaml", FirmFile("maier", sshd, "0664 8888888"));
  env.Write("firms.d/gruber.yaml", FirmFile("gruber", sshd, "0664 7777777"));
  // Yesterday's exports of all three arrived; today: nothing new for huber, an
  // unreadable file for maier, and gruber's inbox is gone.
  const Instant exported = At("2026-11-22T23:00:00+01:00");
  {
    auto db = Database::Open(env.store_url());
    DispatcherConfig config = LoadDispatcherConfig(env.config_path());
    DispatcherApp(config, *db).Migrate();
    for (const char* firm : {"huber", "maier", "gruber"})
      ASSERT_EQ(env.Ingest(*db, firm, exported,
                           {MakeAppt(std::string(firm) + "-A2", "2026-11-24", 9, 40,
                                     {SmsContact("0664 2222222")})})
                    .outcome,
                IngestOutcome::kApplied);
  }
  const fs::path inbox = fs::path(sshd.data_root()) / "inbox";
  fs::create_directories(inbox / "huber");
  fs::create_directories(inbox / "maier");
  std::ofstream(inbox / "maier" / "maier-1.json") << "{\"format\": \"kehrbote-exp";

  auto r = env.Dispatcher({"once", "--now", "2026-11-23T07:05:00+01:00"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(inbox / "maier" / "rejected" / "maier-1.json.error"));

  auto db = Database::Open(env.store_url());
  // The good firm's reminder is planned as usual (the other two firms' too:
  // their stored appointments are not affected by today's trouble).
  std::vector<StoredMessage> huber = PlanStore(*db).ListMessages("huber");
  ASSERT_EQ(std::count_if(huber.begin(), huber.end(),
                          [](const StoredMessage& m) { return m.rule_id == "sms-1d"; }),
            1);

  const std::string alarm = Body(*db, "rule_id = 'alarm' AND channel = 'email'");
  EXPECT_NE(alarm.find("maier: export maier-1.json refused: "), std::string::npos) << alarm;
  EXPECT_NE(alarm.find("gruber: pull from " + sshd.user() + "@127.0.0.1:" +
                       std::to_string(sshd.port()) + " failed: "),
            std::string::npos)
      << alarm;
  EXPECT_NE(alarm.find("Störung bei 2 Betrieben"), std::string::npos) << alarm;
  EXPECT_EQ(alarm.find("huber"), std::string::npos) << alarm;

  const std::string refused = Body(*db, "firm_id = 'maier' AND rule_id = 'heartbeat'");
  EXPECT_NE(refused.find("Abgelehnte Datei: maier-1.json ("), std::string::npos) << refused;
  EXPECT_NE(refused.find("Der Dienstleister ist informiert."), std::string::npos) << refused;
  const std::string lost = Body(*db, "firm_id = 'gruber' AND rule_id = 'heartbeat'");
  EXPECT_NE(lost.find("Störung: Abholung der Exporte fehlgeschlagen ("), std::string::npos) << lost;
  EXPECT_NE(lost.find("Der Dienstleister ist informiert."), std::string::npos) << lost;
  const std::string good = Body(*db, "firm_id = 'huber' AND rule_id = 'heartbeat'");
  EXPECT_NE(good.find("Kehrbote Kontrolle"), std::string::npos) << good;
  EXPECT_EQ(good.find("Störung"), std::string::npos) << good;
  EXPECT_EQ(good.find("Abgelehnte"), std::string::npos) << good;
}

}  // namespace
}  // namespace kehrbote
