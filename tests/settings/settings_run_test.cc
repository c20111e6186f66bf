// `kehrbote-dispatcher run` plans with the settings in the store: a version
// saved by the portal (or another dispatcher) is planned at the next pass,
// without a restart, as a changed firm file is.
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "dispatcher/settings/firm_settings_save.h"
#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"

namespace kehrbote {
namespace {

using test::Within20s;

TEST(SettingsRunTest, ASavedVersionIsPlannedWithoutARestart) {
  test::AppEnv env;
  env.WriteConfig("poll_interval: 1s\n");
  env.Write("firms.d/huber.yaml", "id: huber\n");
  auto db = Database::Open(env.store_url());
  MigrateStore(*db);
  const auto day = std::chrono::floor<std::chrono::days>(
      ToLocal(SystemClock().Now() + std::chrono::hours{72}, "Europe/Vienna"));
  auto r = env.Ingest(*db, "huber", SystemClock().Now(),
                      {test::MakeAppt("A1", FormatLocalDate(day).c_str(), 12, 0,
                                      {test::SmsContact("0664 1231231")})});
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;

  test::ChildOptions o;
  o.argv = {std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher", "--config",
            env.config_path(), "run"};
  o.output_file = env.Sub("run.log");
  test::ChildProcess child = test::ChildProcess::Spawn(o);
  auto planned = [&] {
    return *QueryInt(*db->Connect(),
                     "SELECT COUNT(*) FROM messages WHERE firm_id = 'huber' AND state = 'planned'");
  };
  EXPECT_TRUE(Within20s([&] { return planned() == 1; })) << planned();

  // The firm user adds a second reminder in the portal.
  FirmSettingsStore store(*db);
  SettingsEdit edit;
  edit.firm_id = "huber";
  edit.yaml = "id: huber\nrules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n"
              "  - {name: sms-2d, channel: sms, lead: 2d}\n";
  edit.author = "anna";
  edit.editor = SettingsEditor::kFirm;
  edit.expected_version = 1;
  SettingsSaveOutcome saved = SaveFirmSettings(store, edit, SystemClock().Now());
  ASSERT_TRUE(saved.saved) << (saved.errors.empty() ? "conflict" : saved.errors[0].text);
  EXPECT_TRUE(Within20s([&] { return planned() == 2; })) << planned();

  child.Kill(SIGTERM);
  auto status = child.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
}

}  // namespace
}  // namespace kehrbote
