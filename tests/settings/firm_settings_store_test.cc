// FirmSettingsStore and SaveFirmSettings on SQLite and PostgreSQL: every save a
// new version with who and when, the current one is the highest, nothing is
// half saved, and a second process sees the same rows.
#include "dispatcher/settings/firm_settings_save.h"
#include "dispatcher/settings/firm_settings_store.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

const Instant kT1 = Instant(std::chrono::seconds(1795000000));
const Instant kT2 = kT1 + std::chrono::hours(1);

class FirmSettingsStoreTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  FirmSettingsStoreTest() : fresh_(GetParam()), store_(fresh_.db()) { store_.Migrate(); }

  SettingsSaveOutcome Save(const std::string& yaml, const std::string& author,
                           std::optional<int64_t> expected = std::nullopt,
                           SettingsEditor editor = SettingsEditor::kPartner, Instant at = kT1) {
    SettingsEdit edit;
    edit.firm_id = "huber";
    edit.yaml = yaml;
    edit.author = author;
    edit.editor = editor;
    edit.expected_version = expected;
    return SaveFirmSettings(store_, edit, at);
  }

  test::FreshDatabase fresh_;
  FirmSettingsStore store_;
};

TEST_P(FirmSettingsStoreTest, EverySaveIsANewVersionAndAllAreKept) {
  SettingsSaveOutcome a = Save("id: huber\n", "anna", 0);
  ASSERT_TRUE(a.errors.empty());
  EXPECT_TRUE(a.saved);
  EXPECT_EQ(a.version, 1);
  SettingsSaveOutcome b = Save("id: huber\nsender_name: Huber\n", "berta", 1,
                               SettingsEditor::kFirm, kT2);
  ASSERT_TRUE(b.errors.empty());
  EXPECT_EQ(b.version, 2);
  ASSERT_TRUE(b.firm.has_value());
  EXPECT_EQ(b.firm->policy.sender_name, "Huber");

  std::optional<StoredSettings> current = store_.Current("huber");
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->author, "berta");
  EXPECT_EQ(current->source, "portal");
  EXPECT_EQ(current->saved_at, kT2);
  std::vector<StoredSettings> history = store_.History("huber");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].yaml, "id: huber\n");
  EXPECT_EQ(history[0].author, "anna");
  EXPECT_EQ(history[0].saved_at, kT1);
  ASSERT_EQ(store_.CurrentVersions().size(), 1u);
  EXPECT_EQ(store_.CurrentVersions()[0].version, 2);

  // The same text again writes nothing.
  SettingsSaveOutcome same = Save("id: huber\nsender_name: Huber\n", "anna");
  EXPECT_FALSE(same.saved);
  EXPECT_EQ(same.version, 2);
  EXPECT_EQ(store_.History("huber").size(), 2u);
}

TEST_P(FirmSettingsStoreTest, BadTextSavesNothingAndNamesEachField) {
  ASSERT_TRUE(Save("id: huber\n", "anna").saved);
  SettingsSaveOutcome r = Save("id: huber\nquiet_hours: {from: \"9\"}\nrules: [{name: a, lead: x}]\n",
                               "anna", 1);
  EXPECT_FALSE(r.saved);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].key, "rules[0].lead");
  EXPECT_EQ(r.errors[1].key, "quiet_hours.from");
  EXPECT_EQ(store_.Current("huber")->version, 1);
}

TEST_P(FirmSettingsStoreTest, ASaveOnAnOlderVersionIsAConflict) {
  ASSERT_TRUE(Save("id: huber\n", "anna", 0).saved);
  ASSERT_TRUE(Save("id: huber\nsender_name: A\n", "anna", 1).saved);
  SettingsSaveOutcome late = Save("id: huber\nsender_name: B\n", "berta", 1);
  EXPECT_TRUE(late.conflict);
  EXPECT_FALSE(late.saved);
  EXPECT_EQ(late.version, 2);
  EXPECT_EQ(store_.Current("huber")->yaml, "id: huber\nsender_name: A\n");
}

TEST_P(FirmSettingsStoreTest, AnotherFirmsIdOrAPartnerKeyIsRefused) {
  ASSERT_TRUE(Save("id: huber\ninbox: /drop/huber\n", "partner").saved);
  SettingsSaveOutcome other = Save("id: maier\n", "anna");
  ASSERT_EQ(other.errors.size(), 1u);
  EXPECT_EQ(other.errors[0].key, "id");
  SettingsSaveOutcome firm = Save("id: huber\ninbox: /drop/maier\nquota: {sms_per_month: 9}\n",
                                  "anna", std::nullopt, SettingsEditor::kFirm);
  ASSERT_EQ(firm.errors.size(), 2u);
  EXPECT_EQ(firm.errors[0].key, "inbox");
  EXPECT_EQ(firm.errors[1].key, "quota");
  // The partner may.
  EXPECT_TRUE(Save("id: huber\ninbox: /drop/maier\n", "partner").saved);
}

TEST_P(FirmSettingsStoreTest, ASecondProcessSeesTheSameVersion) {
  ASSERT_TRUE(Save("id: huber\n", "anna").saved);
  std::unique_ptr<Database> other = fresh_.OpenAgain();
  FirmSettingsStore theirs(*other);
  SettingsEdit edit;
  edit.firm_id = "huber";
  edit.yaml = "id: huber\nsender_name: Zwei\n";
  edit.author = "berta";
  edit.expected_version = 1;
  ASSERT_TRUE(SaveFirmSettings(theirs, edit, kT2).saved);
  EXPECT_EQ(store_.Current("huber")->yaml, "id: huber\nsender_name: Zwei\n");
}

TEST_P(FirmSettingsStoreTest, RemovedIsAVersionToo) {
  ASSERT_TRUE(Save("id: huber\n", "anna").saved);
  SettingsSave removal;
  removal.firm_id = "huber";
  removal.removed = true;
  EXPECT_TRUE(store_.Save(removal, kT2).saved);
  ASSERT_EQ(store_.CurrentVersions().size(), 1u);
  EXPECT_TRUE(store_.CurrentVersions()[0].removed);
  EXPECT_TRUE(Save("id: huber\n", "anna").saved);  // back again
  EXPECT_FALSE(store_.CurrentVersions()[0].removed);
}

INSTANTIATE_TEST_SUITE_P(Dialects, FirmSettingsStoreTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
