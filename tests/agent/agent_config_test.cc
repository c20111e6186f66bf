#include "agent/config/agent_config.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/agent/agent_test_util.h"
#include "tests/support/environment_variable.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using test::BaseConfig;

const char* kCsvSource =
    "source:\n"
    "  type: csv\n"
    "  path: termine.csv\n"
    "  delimiter: \";\"\n"
    "  encoding: windows-1252\n"
    "  columns:\n"
    "    id: Nr\n"
    "    kind: Art\n"
    "    kind_values: {HK: main_sweep, K: sweep}\n"
    "    date: Datum\n"
    "    window: Zeit\n"
    "    phones:\n"
    "      - {number: Tel1, consent: Tel1OK, main_sweep_only: NurHK}\n"
    "    email: {address: Mail, consent: MailOK}\n"
    "  formats: {date: [\"%d.%m.%Y\"]}\n";

ConfigError ErrorOf(const std::string& yaml) {
  try {
    ParseAgentConfig(yaml, "/etc/kehrbote/agent.yaml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  return ConfigError("", 0, 0, "", "");
}

TEST(AgentConfigTest, ReadsAFullCsvConfig) {
  AgentConfig c = ParseAgentConfig(BaseConfig("/var/lib/kehrbote") + kCsvSource,
                                   "/etc/kehrbote/agent.yaml");
  EXPECT_EQ(c.firm.id, "huber");
  EXPECT_EQ(c.firm.timezone, "Europe/Vienna");
  EXPECT_EQ(c.source.type, SourceType::kCsv);
  // Relative to the config; compared as paths (the Windows build uses backslashes).
  EXPECT_EQ(std::filesystem::path(c.source.csv.path), std::filesystem::path("/etc/kehrbote/termine.csv"));
  EXPECT_EQ(c.source.csv.encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(c.source.csv.delimiter, ';');
  EXPECT_EQ(c.source.columns.kind_values.at("HK"), AppointmentKind::kMainSweep);
  ASSERT_EQ(c.source.columns.phones.size(), 1u);
  EXPECT_EQ(c.source.columns.phones[0].main_sweep_only, "NurHK");
  ASSERT_TRUE(c.source.columns.email.has_value());
  EXPECT_EQ(c.source.columns.email->consent, "MailOK");
  EXPECT_EQ(c.source.columns.date_formats, std::vector<std::string>{"%d.%m.%Y"});
  EXPECT_EQ(c.window.days_ahead, 14);
  ASSERT_EQ(c.schedule.size(), 1u);
  EXPECT_EQ(c.schedule[0], std::chrono::hours(6));
  EXPECT_EQ(c.upload.endpoint.port, 1);
  EXPECT_EQ(std::filesystem::path(c.spool_dir), std::filesystem::path("/var/lib/kehrbote/spool"));
}

TEST(AgentConfigTest, UnknownKeyNamesFileLineColumnAndKey) {
  std::string yaml = BaseConfig("/tmp") + kCsvSource;
  yaml.insert(yaml.find("    id: Nr\n"), "    strasse: Strasse\n");
  ConfigError e = ErrorOf(yaml);
  EXPECT_EQ(e.file(), "/etc/kehrbote/agent.yaml");
  EXPECT_EQ(e.key(), "source.columns.strasse");
  EXPECT_GT(e.line(), 20);
  EXPECT_GT(e.column(), 0);
  EXPECT_NE(std::string(e.what()).find("agent.yaml:"), std::string::npos) << e.what();
}

TEST(AgentConfigTest, UnknownTimeZoneIsRefused) {
  std::string yaml = BaseConfig("/tmp") + kCsvSource;
  yaml.replace(yaml.find("Europe/Vienna"), 13, "Europe/Wien");
  ConfigError e = ErrorOf(yaml);
  EXPECT_EQ(e.key(), "firm.timezone");
  EXPECT_EQ(e.line(), 4);
  EXPECT_NE(std::string(e.what()).find("Europe/Wien"), std::string::npos);
}

TEST(AgentConfigTest, MappingNeedsAnIdAndExactlyOneDateColumn) {
  std::string no_date = BaseConfig("/tmp") + kCsvSource;
  no_date.replace(no_date.find("    date: Datum\n"), 16, "");
  EXPECT_EQ(ErrorOf(no_date).key(), "source.columns.date");
  std::string no_id = BaseConfig("/tmp") + kCsvSource;
  no_id.replace(no_id.find("    id: Nr\n"), 11, "");
  EXPECT_EQ(ErrorOf(no_id).key(), "source.columns.id");
}

TEST(AgentConfigTest, AtMostThreePhoneNumbers) {
  std::string yaml = BaseConfig("/tmp") + kCsvSource;
  std::string phone = "      - {number: Tel1}\n";
  yaml.insert(yaml.find("    email:"), phone + phone + phone);
  EXPECT_EQ(ErrorOf(yaml).key(), "source.columns.phones");
}

TEST(AgentConfigTest, UnknownKindValueAndBadScheduleAreRefused) {
  std::string kind = BaseConfig("/tmp") + kCsvSource;
  kind.replace(kind.find("K: sweep"), 8, "K: kehrung");
  ConfigError e = ErrorOf(kind);
  EXPECT_EQ(e.key(), "source.columns.kind_values.K");
  std::string sched = BaseConfig("/tmp") + kCsvSource;
  sched.replace(sched.find("\"06:00\""), 7, "\"6 Uhr\"");
  EXPECT_EQ(ErrorOf(sched).key(), "schedule");
}

TEST(AgentConfigTest, HostKeyMustBePinnedOnce) {
  std::string yaml = BaseConfig("/tmp") + kCsvSource;
  yaml.replace(yaml.find("  fingerprint:"), 14, "  # fingerprint:");
  EXPECT_EQ(ErrorOf(yaml).key(), "upload.known_hosts");
  std::string bad = BaseConfig("/tmp") + kCsvSource;
  bad.replace(bad.find("SHA256:AAA"), 10, "MD5:AAAAAA");
  EXPECT_EQ(ErrorOf(bad).key(), "upload.fingerprint");
}

TEST(AgentConfigTest, UploadFileModeIsOwnerOnlyOrGroupRead) {
  std::string yaml = BaseConfig("/tmp") + kCsvSource;
  EXPECT_EQ(ParseAgentConfig(yaml, "/etc/kehrbote/agent.yaml").upload.file_mode, 0600);
  std::string group = yaml;
  group.replace(group.find("  fingerprint:"), 14, "  file_mode: \"0640\"\n  fingerprint:");
  EXPECT_EQ(ParseAgentConfig(group, "/etc/kehrbote/agent.yaml").upload.file_mode, 0640);
  std::string world = yaml;
  world.replace(world.find("  fingerprint:"), 14, "  file_mode: \"0644\"\n  fingerprint:");
  ConfigError e = ErrorOf(world);
  EXPECT_EQ(e.key(), "upload.file_mode");
  EXPECT_NE(std::string(e.what()).find("0644"), std::string::npos) << e.what();
}

TEST(AgentConfigTest, SqlConnectionMayComeFromTheEnvironment) {
  std::string yaml = BaseConfig("/tmp") +
                     "source:\n"
                     "  type: postgresql\n"
                     "  connection_env: KEHRBOTE_TEST_OFFICE_DB\n"
                     "  query: SELECT * FROM termine WHERE datum BETWEEN :first_day AND :last_day\n"
                     "  columns: {id: id, date: datum}\n";
  test::SetEnvVariable("KEHRBOTE_TEST_OFFICE_DB", "host=db user=office password=geheim");
  AgentConfig c = ParseAgentConfig(yaml, "/etc/kehrbote/agent.yaml");
  EXPECT_EQ(c.source.type, SourceType::kPostgresql);
  EXPECT_EQ(c.source.sql.connection, "host=db user=office password=geheim");
  test::SetEnvVariable("KEHRBOTE_TEST_OFFICE_DB", nullptr);
  EXPECT_EQ(ErrorOf(yaml).key(), "source.connection_env");
}

TEST(AgentConfigTest, MissingSourceIsReported) {
  ConfigError e = ErrorOf(BaseConfig("/tmp"));
  EXPECT_EQ(e.key(), "source");
}

}  // namespace
}  // namespace kehrbote
