#include "dispatcher/config/dispatcher_config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kehrbote-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "firms.d");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string WriteMain(const std::string& extra = "") {
    return Write("dispatcher.yaml",
                 "store: {url: \"sqlite:" + (dir_ / "d.db").string() + "\"}\n"
                 "firms_dir: firms.d\n" + extra);
  }

  fs::path dir_;
};

TEST_F(ConfigTest, DefaultsForAMinimalFirm) {
  WriteMain();
  Write("firms.d/huber.yaml", "id: huber\n");
  DispatcherConfig c = LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
  EXPECT_EQ(c.poll_interval, 60s);
  EXPECT_EQ(c.alarm_after, 26h);
  EXPECT_EQ(c.operator_quiet_hours.Describe(), "20:00-08:00");
  EXPECT_FALSE(c.delete_processed);
  ASSERT_EQ(c.firms.size(), 1u);
  const FirmConfig& f = c.firms[0];
  EXPECT_EQ(f.id(), "huber");
  EXPECT_EQ(f.heartbeat_time, 7h);
  EXPECT_EQ(f.policy.quiet_hours.from, 20h);
  EXPECT_EQ(f.policy.quiet_hours.to, 8h);
  EXPECT_EQ(f.policy.late_policy.action, LatePolicy::Action::kSendIfTimeRemains);
  EXPECT_EQ(f.policy.late_policy.min_remaining, 2h);
  EXPECT_EQ(f.policy.timezone, "Europe/Vienna");
  EXPECT_EQ(f.policy.channel_policy, ChannelPolicy::kBoth);
  ASSERT_EQ(f.policy.rules.size(), 1u);
  EXPECT_EQ(f.policy.rules[0].lead, 24h);
  EXPECT_EQ(f.policy.rules[0].lead_days, std::chrono::days{1});
  EXPECT_EQ(f.policy.late_policy.replaces_within, 12h);
  EXPECT_EQ(f.policy.date_only_time, 10h);
}

TEST_F(ConfigTest, FullFirm) {
  WriteMain("operator_contacts: [\"+43 664 1234567\", ops@example.at]\nheartbeat: {alarm_after: 30h}\n"
            "operator_quiet_hours: {from: \"21:30\", to: \"07:00\"}\n"
            "processed: delete\npoll_interval: 5m\n");
  Write("firms.d/maier.yml",
        "id: maier\ninbox: /drop/maier/inbox\nsender_name: Maier RFK\ntimezone: Europe/Berlin\n"
        "country: DE\n"
        "rules:\n"
        "  - {name: sms-2h, channel: sms, lead: 2h, round: none}\n"
        "  - {name: mail-1d, channel: email, lead: 1d, at: \"18:00\"}\n"
        "  - {name: sat, channel: sms, weekday: Samstag, at: \"20:00\"}\n"
        "quiet_hours: {from: \"21:00\", to: \"07:30\"}\n"
        "date_only_time: \"09:00\"\n"
        "late_policy: {action: skip}\n"
        "templates: {sms_reminder: \"Termin <<Datum>> <<Uhrzeit>>\"}\n"
        "heartbeat: {time: \"06:45\", contacts: [\"0151 23456789\"]}\n"
        "channel_policy: sms-first\nsms_encoding: ucs2\n"
        "quota: {sms_per_month: 500, segments_per_month: 900}\n");
  DispatcherConfig c = LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
  EXPECT_EQ(c.poll_interval, 5min);
  EXPECT_EQ(c.alarm_after, 30h);
  EXPECT_TRUE(c.delete_processed);
  ASSERT_EQ(c.operator_contacts.size(), 2u);
  EXPECT_EQ(c.operator_contacts[1].channel, ContactChannel::kEmail);
  EXPECT_EQ(c.operator_quiet_hours.from, 21h + 30min);
  EXPECT_EQ(c.operator_quiet_hours.to, 7h);
  const FirmConfig* f = c.FindFirm("maier");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->inbox, "/drop/maier/inbox");
  EXPECT_EQ(f->policy.rules.size(), 3u);
  EXPECT_FALSE(f->policy.rules[0].round_to_quarter_hour);
  EXPECT_EQ(f->policy.rules[1].at, 18h);
  EXPECT_EQ(f->policy.rules[2].weekday, std::chrono::Saturday);
  EXPECT_EQ(f->policy.quiet_hours.to, 7h + 30min);
  EXPECT_EQ(f->policy.date_only_time, 9h);
  EXPECT_EQ(f->policy.late_policy.action, LatePolicy::Action::kSkip);
  EXPECT_EQ(f->policy.templates.at("sms_reminder"), "Termin <<Datum>> <<Uhrzeit>>");
  EXPECT_EQ(f->heartbeat_time, 6h + 45min);
  EXPECT_EQ(f->policy.channel_policy, ChannelPolicy::kSmsFirst);
  EXPECT_EQ(f->policy.sms_encoding, SmsEncodingPolicy::kUcs2);
  EXPECT_EQ(f->quota_segments_per_month, 900);
}

// Each bad firm file: the error names file, line, column and key.
struct BadCase {
  const char* yaml;
  const char* key;
  int line;
  const char* text;
};

TEST_F(ConfigTest, ErrorsNameFileLineColumnAndKey) {
  const BadCase cases[] = {
      {"id: x\ntemplates:\n  sms_reminder: \"Hallo <<Nachnahme>>\"\n", "templates.sms_reminder", 3,
       "Nachnahme"},
      {"id: x\nrules:\n  - {name: a, lead: 2h, at: \"18:00\"}\n", "rules[0]", 3, "whole days"},
      {"id: x\nrules:\n  - {name: a, lead: 1d, chanel: sms}\n", "rules[0].chanel", 3, "unknown"},
      {"id: x\nquiet_hours: {from: \"25:00\"}\n", "quiet_hours.from", 2, "HH:MM"},
      {"id: x\nsender_name: Rauchfangkehrer Huber\n", "sender_name", 2, "11"},
      {"id: x\nsender_name: Schütz RFK\n", "sender_name", 2, "A-Z, a-z, 0-9"},
      {"id: x\nchannel_policy: sms-only\n", "channel_policy", 2, "sms-first"},
      {"id: x\nrules:\n  - {name: a, weekday: Caturday, at: \"20:00\"}\n", "rules[0].weekday", 3,
       "weekday"},
      {"id: X Y\n", "id", 1, "firm id"},
      {"id: x\ntimezone: Europe/Wien\n", "timezone", 2, "unknown time zone"},
      {"id: x\ndate_only_time: \"07:00\"\n", "date_only_time", 2, "inside the quiet hours"},
  };
  for (const BadCase& c : cases) {
    const std::string path = Write("firm.yaml", c.yaml);
    try {
      LoadFirmConfig(path);
      ADD_FAILURE() << "no error for:\n" << c.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.file(), path);
      EXPECT_EQ(e.key(), c.key) << e.what();
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_GT(e.column(), 0) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.text), std::string::npos) << e.what();
    }
  }
}

TEST_F(ConfigTest, DuplicateFirmIdAndMissingStore) {
  WriteMain();
  Write("firms.d/a.yaml", "id: same\n");
  Write("firms.d/b.yaml", "id: same\n");
  EXPECT_THROW(LoadDispatcherConfig((dir_ / "dispatcher.yaml").string()), ConfigError);
  Write("dispatcher.yaml", "firms_dir: firms.d\n");
  try {
    LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "store.url") << e.what();
  }
}

}  // namespace
}  // namespace kehrbote
