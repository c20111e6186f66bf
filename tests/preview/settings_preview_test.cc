// PreviewFirmSettings: the unsaved settings rendered for the firm's next real
// appointment in the store (a sample when there is none), errors at their keys.
#include "dispatcher/preview/settings_preview.h"

#include <gtest/gtest.h>

#include "dispatcher/store/store_schema.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

const nlohmann::json& Template(const nlohmann::json& preview, const std::string& name) {
  for (const nlohmann::json& t : preview["templates"])
    if (t["name"] == name) return t;
  throw std::runtime_error("no template " + name);
}

class SettingsPreviewTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  SettingsPreviewTest() : fresh_(GetParam()), env_(fresh_.url()) { MigrateStore(fresh_.db()); }
  test::FreshDatabase fresh_;
  test::AppEnv env_;
};

TEST_P(SettingsPreviewTest, RendersTheNextRealAppointment) {
  const Instant now = test::At("2026-11-23T06:00:00+01:00");
  auto r = env_.Ingest(fresh_.db(), "huber", now,
                       {test::MakeAppt("A7", "2026-11-26", 9, 30, {test::SmsContact("0664 1231231")})});
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  const std::string yaml =
      "id: huber\ntemplates: {sms_reminder: \"<<Wochentag>> <<Uhrzeit>> bei <<Nachname>>\"}\n";
  nlohmann::json p = PreviewFirmSettings(fresh_.db(), {0.09, "EUR"}, "huber", yaml, now);
  EXPECT_TRUE(p["ok"].get<bool>());
  EXPECT_FALSE(p["appointment"]["sample"].get<bool>());
  EXPECT_EQ(p["appointment"]["id"], "A7");
  EXPECT_EQ(p["appointment"]["date"], "Donnerstag, 26. November 2026");
  EXPECT_EQ(Template(p, "sms_reminder")["text"], "Donnerstag 09:30 bei Muster");
  EXPECT_EQ(Template(p, "sms_reminder")["segments"], 1);

  // A bad lead time while typing: the error at its key, the texts still shown.
  const std::string bad = "id: huber\nrules: [{name: sms-1d, lead: morgen}]\n"
                          "templates: {sms_reminder: \"<<Nachname>>\"}\n";
  nlohmann::json q = PreviewFirmSettings(fresh_.db(), {0.09, "EUR"}, "huber", bad, now);
  EXPECT_FALSE(q["ok"].get<bool>());
  ASSERT_EQ(q["errors"].size(), 1u);
  EXPECT_EQ(q["errors"][0]["key"], "rules[0].lead");
  EXPECT_EQ(q["errors"][0]["line"], 2);
  EXPECT_EQ(Template(q, "sms_reminder")["text"], "Muster");
}

TEST_P(SettingsPreviewTest, SampleWhenNoAppointmentIsComing) {
  nlohmann::json p = PreviewFirmSettings(fresh_.db(), {0.09, "EUR"}, "maier", "id: maier\n",
                                         test::At("2026-11-23T06:00:00+01:00"));
  EXPECT_TRUE(p["appointment"]["sample"].get<bool>());
  EXPECT_EQ(p["appointment"]["date"], "Montag, 30. November 2026");
  EXPECT_EQ(p["templates"].size(), TemplateNames().size());
}

INSTANTIATE_TEST_SUITE_P(Dialects, SettingsPreviewTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
