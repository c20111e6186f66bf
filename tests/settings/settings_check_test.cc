// CheckFirmSettings: the loader's validation, with every bad key reported at
// its line, so the portal can show each error at its field.
#include "dispatcher/settings/settings_check.h"
#include "dispatcher/settings/settings_edit.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

std::vector<std::string> Keys(const SettingsCheck& c) {
  std::vector<std::string> keys;
  for (const SettingsError& e : c.errors) keys.push_back(e.key);
  return keys;
}

TEST(SettingsCheckTest, GoodTextGivesTheFirm) {
  SettingsCheck c = CheckFirmSettings("id: huber\nrules:\n  - {name: sms-2d, lead: 2d}\n", "huber");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.firm.has_value());
  EXPECT_EQ(c.firm->id(), "huber");
  ASSERT_EQ(c.firm->policy.rules.size(), 1u);
  EXPECT_EQ(c.firm->policy.rules[0].name, "sms-2d");
}

TEST(SettingsCheckTest, EveryBadKeyIsReportedAtItsLine) {
  const std::string yaml =
      "id: huber\n"                                    // 1
      "country: ZZ\n"                                  // 2
      "rules:\n"                                       // 3
      "  - {name: sms-1d, lead: 1d}\n"                 // 4
      "  - {name: sms-x, lead: soon}\n"                // 5
      "  - {name: sms-eve, lead: 1d, at: \"25:00\"}\n"  // 6
      "quiet_hours: {from: \"20:00\", to: x}\n"        // 7
      "templates:\n"                                   // 8
      "  sms_reminder: \"Termin <<Datumm>>\"\n"        // 9
      "  sms_remindr: \"x\"\n"                         // 10
      "sender_nam: Huber\n";                           // 11
  SettingsCheck c = CheckFirmSettings(yaml, "huber.yaml");
  EXPECT_FALSE(c.ok());
  EXPECT_FALSE(c.firm.has_value());
  const std::vector<std::string> want = {"country",           "rules[1].lead",
                                         "rules[2].at",       "quiet_hours.to",
                                         "templates.sms_remindr", "templates.sms_reminder",
                                         "sender_nam"};
  std::vector<std::string> got = Keys(c);
  std::sort(got.begin(), got.end());
  std::vector<std::string> sorted = want;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(got, sorted);
  for (const SettingsError& e : c.errors) {
    const std::map<std::string, int> line = {{"country", 2},           {"rules[1].lead", 5},
                                             {"rules[2].at", 6},       {"quiet_hours.to", 7},
                                             {"templates.sms_remindr", 10},
                                             {"templates.sms_reminder", 9}, {"sender_nam", 11}};
    EXPECT_EQ(e.line, line.at(e.key)) << e.text;
    EXPECT_EQ(e.text.rfind("huber.yaml:" + std::to_string(e.line) + ":", 0), 0u) << e.text;
    EXPECT_NE(e.text.find("key '" + e.key + "'"), std::string::npos) << e.text;
    EXPECT_FALSE(e.message.empty());
    EXPECT_EQ(e.message.find("huber.yaml"), std::string::npos) << e.message;
  }
}

// A rule that fails as a whole goes; the later rules keep the indexes the text has.
TEST(SettingsCheckTest, IndexesAfterARemovedRuleAreThoseOfTheText) {
  const std::string yaml =
      "id: huber\n"
      "rules:\n"
      "  - {name: sms-1d}\n"                // no lead, no weekday: the rule fails
      "  - {name: sms-2d, lead: 2d, at: x}\n";
  SettingsCheck c = CheckFirmSettings(yaml, "huber.yaml");
  ASSERT_EQ(Keys(c), (std::vector<std::string>{"rules[0]", "rules[1].at"}));
  EXPECT_EQ(c.errors[1].line, 4);
}

TEST(SettingsCheckTest, SyntaxErrorIsOneErrorWithItsLine) {
  SettingsCheck c = CheckFirmSettings("id: huber\nrules: [\n", "huber.yaml");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].key, "");
  EXPECT_GT(c.errors[0].line, 0);
  EXPECT_NE(c.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(SettingsCheckTest, MissingIdIsReportedOnce) {
  SettingsCheck c = CheckFirmSettings("country: AT\n", "x.yaml");
  ASSERT_EQ(Keys(c), std::vector<std::string>{"id"});
}

// A form's values set at the keys the errors use: what the form set comes back
// at the same key when it is wrong.
TEST(SettingsEditTest, FormValuesLandAtTheirKeys) {
  const std::string yaml = "id: huber\nrules:\n  - {name: sms-1d, lead: 1d}\n";
  const std::string edited =
      EditFirmSettings(yaml, {{"rules[0].lead", "2d"},
                              {"rules[1].name", "sms-eve"},
                              {"rules[1].lead", "1d"},
                              {"rules[1].at", "18:00"},
                              {"templates.sms_reminder", "Termin <<Datum>>: 100% sicher"},
                              {"quota.sms_per_month", "1000"}});
  SettingsCheck c = CheckFirmSettings(edited, "huber");
  ASSERT_TRUE(c.ok()) << c.errors[0].text << "\n" << edited;
  ASSERT_EQ(c.firm->policy.rules.size(), 2u);
  EXPECT_EQ(c.firm->policy.rules[0].lead, std::chrono::hours{48});
  EXPECT_EQ(c.firm->policy.rules[1].name, "sms-eve");
  EXPECT_EQ(c.firm->policy.templates.at("sms_reminder"), "Termin <<Datum>>: 100% sicher");
  EXPECT_EQ(c.firm->quota_sms_per_month, 1000);

  const std::string bad = EditFirmSettings(edited, {{"rules[1].at", "25:00"},
                                                    {"quota.sms_per_month", std::nullopt}});
  SettingsCheck b = CheckFirmSettings(bad, "huber");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].key, "rules[1].at");
  EXPECT_EQ(b.repaired->quota_sms_per_month, 0);
  EXPECT_THROW(EditFirmSettings(yaml, {{"rules[5].lead", "1d"}}), ConfigError);
}

}  // namespace
}  // namespace kehrbote
