// FirmSettingsSource: firm files are imported when they change, the store is
// what the dispatcher plans with, a portal save is not undone by an unchanged
// file, and a bad file keeps the firm's current version and is reported.
#include "dispatcher/settings/firm_settings_source.h"

#include <fstream>

#include <gtest/gtest.h>

#include "dispatcher/settings/firm_settings_save.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

const Instant kT = Instant(std::chrono::seconds(1795000000));

class FirmSettingsSourceTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  FirmSettingsSourceTest() : fresh_(GetParam()), dir_("kehrbote-firms-"), store_(fresh_.db()) {
    store_.Migrate();
  }
  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_.Sub(name)) << text;
  }
  void PortalSave(const std::string& yaml, int64_t expected) {
    SettingsEdit edit;
    edit.firm_id = "huber";
    edit.yaml = yaml;
    edit.author = "anna";
    edit.editor = SettingsEditor::kFirm;
    edit.expected_version = expected;
    ASSERT_TRUE(SaveFirmSettings(store_, edit, kT).saved);
  }

  test::FreshDatabase fresh_;
  test::TempDir dir_;
  FirmSettingsStore store_;
};

TEST_P(FirmSettingsSourceTest, FilesAreImportedAndThePortalSaveStays) {
  WriteFile("huber.yaml", "id: huber\nsender_name: Datei\n");
  WriteFile("maier.yml", "id: maier\n");
  FirmSettingsSource source(fresh_.db(), dir_.path());
  FirmFiles first = source.Load({}, kT);
  ASSERT_TRUE(first.problems.empty()) << first.problems[0].message;
  ASSERT_EQ(first.firms.size(), 2u);
  EXPECT_EQ(first.firms[0].id(), "huber");
  EXPECT_EQ(first.firms[0].file_stamp, "v1");
  EXPECT_EQ(first.firms[0].policy.sender_name, "Datei");
  EXPECT_EQ(store_.Current("huber")->source, "file");
  EXPECT_EQ(store_.Current("huber")->origin, dir_.Sub("huber.yaml"));

  // The portal saves; the unchanged file does not undo it, in this process or a new one.
  PortalSave("id: huber\nsender_name: Portal\n", 1);
  FirmFiles second = source.Load(first.firms, kT);
  ASSERT_EQ(second.firms.size(), 2u);
  EXPECT_EQ(second.firms[0].file_stamp, "v2");
  EXPECT_EQ(second.firms[0].policy.sender_name, "Portal");
  FirmSettingsSource restarted(fresh_.db(), dir_.path());
  EXPECT_EQ(restarted.Load({}, kT).firms[0].policy.sender_name, "Portal");
  EXPECT_EQ(store_.Current("huber")->version, 2);

  // The partner edits the file: newer, so it wins.
  WriteFile("huber.yaml", "id: huber\nsender_name: Neu\n");
  FirmFiles third = source.Load(second.firms, kT);
  EXPECT_EQ(third.firms[0].policy.sender_name, "Neu");
  EXPECT_EQ(store_.Current("huber")->version, 3);
}

TEST_P(FirmSettingsSourceTest, BadFileKeepsTheCurrentVersionAndIsReported) {
  WriteFile("huber.yaml", "id: huber\nsender_name: Gut\n");
  FirmSettingsSource source(fresh_.db(), dir_.path());
  FirmFiles good = source.Load({}, kT);
  WriteFile("huber.yaml", "id: huber\ncountry: ZZ\n");
  FirmFiles bad = source.Load(good.firms, kT);
  ASSERT_EQ(bad.firms.size(), 1u);
  EXPECT_EQ(bad.firms[0].policy.sender_name, "Gut");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.problems[0].firm_id, "huber");
  EXPECT_EQ(bad.problems[0].line, 2);
  EXPECT_NE(bad.problems[0].message.find("huber.yaml:2:10: key 'country'"), std::string::npos)
      << bad.problems[0].message;
  EXPECT_EQ(store_.History("huber").size(), 1u);
}

TEST_P(FirmSettingsSourceTest, TwoFilesOfOneFirmRefuseTheSecond) {
  WriteFile("a.yaml", "id: huber\n");
  WriteFile("b.yaml", "id: huber\nsender_name: B\n");
  FirmFiles r = FirmSettingsSource(fresh_.db(), dir_.path()).Load({}, kT);
  ASSERT_EQ(r.firms.size(), 1u);
  EXPECT_EQ(r.firms[0].policy.sender_name, "");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("is also used by"), std::string::npos);
}

TEST_P(FirmSettingsSourceTest, RemovedFirmIsNotPlanned) {
  WriteFile("huber.yaml", "id: huber\n");
  FirmSettingsSource source(fresh_.db(), dir_.path());
  FirmFiles before = source.Load({}, kT);
  SettingsSave removal;
  removal.firm_id = "huber";
  removal.removed = true;
  ASSERT_TRUE(store_.Save(removal, kT).saved);
  EXPECT_TRUE(source.Load(before.firms, kT).firms.empty());
}

INSTANTIATE_TEST_SUITE_P(Dialects, FirmSettingsSourceTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
