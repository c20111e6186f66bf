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

// A number is a valid SMS sender (replies route back to it): Kannel's form with
// "+" and up to 15 digits, or the digits alone.
TEST_F(ConfigTest, NumericSenderAccepted) {
  for (const char* sender : {"+436990001234", "436990001234", "+491511234567"}) {
    const std::string path = Write("firm.yaml", std::string("id: x\nsender_name: \"") + sender + "\"\n");
    try {
      EXPECT_EQ(LoadFirmConfig(path).policy.sender_name, sender);
    } catch (const ConfigError& e) {
      ADD_FAILURE() << sender << ": " << e.what();
    }
  }
  const BadCase cases[] = {
      {"id: x\nsender_name: \"+4369900012345678\"\n", "sender_name", 2, "15 digits"},
      {"id: x\nsender_name: \"+RFK\"\n", "sender_name", 2, "A-Z, a-z, 0-9"},
      {"id: x\nsender_name: \"RFK+1\"\n", "sender_name", 2, "A-Z, a-z, 0-9"},
      {"id: x\nsender_name: \"+\"\n", "sender_name", 2, "A-Z, a-z, 0-9"},
  };
  for (const BadCase& c : cases) {
    const std::string path = Write("firm.yaml", c.yaml);
    try {
      LoadFirmConfig(path);
      ADD_FAILURE() << "no error for:\n" << c.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), c.key) << e.what();
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.text), std::string::npos) << e.what();
    }
  }
}

// Misspelt template names and countries the phone library does not know are
// errors at load (a misspelt template would silently fall back to the default
// text, and its placeholders were never checked).
TEST_F(ConfigTest, StrictTemplateNamesAndCountries) {
  const BadCase cases[] = {
      {"id: x\ntemplates:\n  sms_remindr: \"Termin <<Datum>>\"\n", "templates.sms_remindr", 3,
       "did you mean 'sms_reminder'"},
      {"id: x\ntemplates:\n  email_subjekt: \"Termin\"\n", "templates.email_subjekt", 3,
       "did you mean 'email_subject'"},
      {"id: x\ntemplates:\n  greeting: \"Hallo\"\n", "templates.greeting", 3, "unknown template"},
      {"id: x\ncountry: A7\n", "country", 2, "ISO 3166"},
      {"id: x\ncountry: ZZ\n", "country", 2, "ISO 3166"},
      {"id: x\ncountry: at\n", "country", 2, "did you mean 'AT'"},
      {"id: x\ncountry: AUT\n", "country", 2, "ISO 3166"},
  };
  for (const BadCase& c : cases) {
    const std::string path = Write("firm.yaml", c.yaml);
    try {
      LoadFirmConfig(path);
      ADD_FAILURE() << "no error for:\n" << c.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), c.key) << e.what();
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.text), std::string::npos) << e.what();
    }
  }
  for (const char* country : {"AT", "DE", "CH", "IT"}) {
    const std::string path = Write("firm.yaml", std::string("id: x\ncountry: ") + country + "\n");
    EXPECT_EQ(LoadFirmConfig(path).policy.country, country);
  }
}

// A firm file saved as Windows-1252, or with a NUL or another control
// character, is refused at load with file:line:column (it used to load and
// fail every pass later with "invalid UTF-8 at byte 2: 0xFC", naming no file).
TEST_F(ConfigTest, FirmFileThatIsNotUtf8TextIsRefusedWithFileAndLine) {
  struct Case {
    std::string yaml;
    int line, column;
    const char* text;
  } cases[] = {
      {"id: x\nname: RFK Gr\xFC" "ber\n", 2, 13, "invalid UTF-8 (byte 0xFC)"},
      {"id: x\nname: RFK Gr\xC3\xBC" "ber\ninbox: /drop/x\x92s\n", 3, 15, "invalid UTF-8 (byte 0x92)"},
      {std::string("id: x\nname: RFK\0Huber\n", 22), 2, 10, "control character U+0000"},
      {"id: x\nname: RFK\x1B Huber\n", 2, 10, "control character U+001B"},
      {"id: x\nname: RFK\xC2\x85Huber\n", 2, 10, "control character U+0085"},
  };
  for (const Case& c : cases) {
    const std::string path = Write("firm.yaml", c.yaml);
    try {
      LoadFirmConfig(path);
      ADD_FAILURE() << "no error for:\n" << c.yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.file(), path);
      EXPECT_EQ(e.line(), c.line) << e.what();
      EXPECT_EQ(e.column(), c.column) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.text), std::string::npos) << e.what();
    }
  }
  // UTF-8 with umlauts, tabs in comments and CRLF line ends stay fine.
  const std::string ok = Write("firm.yaml", "id: x\r\nname: RFK Grüber\t# Kommentar\r\n");
  EXPECT_EQ(LoadFirmConfig(ok).policy.firm_name, "RFK Grüber");
}

TEST_F(ConfigTest, DuplicateFirmIdAndMissingStore) {
  WriteMain();
  Write("firms.d/a.yaml", "id: same\n");
  Write("firms.d/b.yaml", "id: same\n");
  // The second file with a used id is not used (and reported); the first runs.
  DispatcherConfig c = LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
  ASSERT_EQ(c.firms.size(), 1u);
  EXPECT_NE(c.firms[0].file.find("a.yaml"), std::string::npos);
  ASSERT_EQ(c.firm_problems.size(), 1u);
  EXPECT_NE(c.firm_problems[0].file.find("b.yaml"), std::string::npos);
  EXPECT_NE(c.firm_problems[0].message.find("is also used by"), std::string::npos);
  Write("dispatcher.yaml", "firms_dir: firms.d\n");
  try {
    LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "store.url") << e.what();
  }
}

// A firm file with an error never stops the other firms: it is reported with
// file:line and left out; read again with the firms in use, a changed file
// with an error keeps the firm's last good config (reported with its id).
TEST_F(ConfigTest, BadFirmFileIsReportedAndKeepsTheLastGoodConfig) {
  WriteMain();
  Write("firms.d/good.yaml", "id: good\n");
  Write("firms.d/huber.yaml", "id: huber\nsender_name: Huber RFK\n");
  Write("firms.d/neu.yaml", "id: neu\ncountry: ZZ\n");
  DispatcherConfig c = LoadDispatcherConfig((dir_ / "dispatcher.yaml").string());
  ASSERT_EQ(c.firms.size(), 2u);
  EXPECT_EQ(c.firms[0].id(), "good");
  EXPECT_EQ(c.firms[1].id(), "huber");
  ASSERT_EQ(c.firm_problems.size(), 1u);
  EXPECT_EQ(c.firm_problems[0].firm_id, "");  // no earlier good version
  EXPECT_EQ(c.firm_problems[0].line, 2);
  EXPECT_NE(c.firm_problems[0].message.find("neu.yaml:2:10: key 'country'"), std::string::npos)
      << c.firm_problems[0].message;

  Write("firms.d/huber.yaml", "id: huber\nsender_name: Rauchfangkehrer Huber\n");
  FirmFiles again = LoadFirmFiles(c.firms_dir, c.firms);
  ASSERT_EQ(again.firms.size(), 2u);
  EXPECT_EQ(again.firms[1].policy.sender_name, "Huber RFK");  // the last good one
  ASSERT_EQ(again.problems.size(), 2u);
  EXPECT_EQ(again.problems[0].firm_id, "huber");
  EXPECT_NE(again.problems[0].message.find("huber.yaml:2:14: key 'sender_name'"),
            std::string::npos)
      << again.problems[0].message;
}

// How long an SMS possibly in flight at a crash waits for its receipt.
TEST_F(ConfigTest, DeliverySettleWaitDefaultsToFiveMinutes) {
  WriteMain();
  EXPECT_EQ(LoadDispatcherConfig((dir_ / "dispatcher.yaml").string()).delivery.settle_wait, 5min);
  WriteMain("delivery: {settle_wait: 90s}\n");
  EXPECT_EQ(LoadDispatcherConfig((dir_ / "dispatcher.yaml").string()).delivery.settle_wait, 90s);
  WriteMain("delivery: {settle_wait: 0s}\n");
  EXPECT_EQ(LoadDispatcherConfig((dir_ / "dispatcher.yaml").string()).delivery.settle_wait, 0s);
}

}  // namespace
}  // namespace kehrbote
