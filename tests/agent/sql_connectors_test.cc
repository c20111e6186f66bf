// SqlSource through the two other connectors against real servers/drivers:
// PostgreSQL (a throwaway server on loopback) and ODBC (the SQLite3 ODBC driver,
// libsqliteodbc, standing in for Access / SQL Server on Windows).
#include <fstream>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include "agent/app/export_file.h"
#include "shared/export/export_reader.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using namespace Poco::Data::Keywords;

const Instant kNow = *ParseRfc3339("2026-11-23T05:00:00Z");  // window 11-23 .. 12-07

std::string Config(const std::string& dir, const std::string& type, const std::string& conn) {
  return test::BaseConfig(dir) +
         "source:\n"
         "  type: " + type + "\n"
         "  connection: \"" + conn + "\"\n"
         "  query: \"SELECT id, art, datum, beginn, name, tel, tel_ok FROM termine"
         " WHERE datum BETWEEN :first_day AND :last_day ORDER BY id\"\n"
         "  columns:\n"
         "    id: id\n"
         "    kind: art\n"
         "    kind_values: {HK: main_sweep, K: sweep}\n"
         "    date: datum\n"
         "    time: beginn\n"
         "    last_name: name\n"
         "    phones: [{number: tel, consent: tel_ok}]\n";
}

ExportDocument Export(const std::string& yaml, const std::string& dir, ExportRun* run) {
  AgentConfig config = ParseAgentConfig(yaml, dir + "/agent.yaml");
  ManualClock clock(kNow);
  *run = WriteExportFile(config, clock, dir + "/export.json");
  std::ifstream in(dir + "/export.json", std::ios::binary);
  return ReadExportDocument(in, "export.json");
}

void ExpectTwoAppointments(const ExportDocument& d, const ExportRun& run) {
  ASSERT_EQ(d.appointments.size(), 2u) << run.Summary();
  EXPECT_EQ(d.appointments[0].id, "A");
  EXPECT_EQ(d.appointments[0].kind, AppointmentKind::kMainSweep);
  EXPECT_EQ(FormatLocalDate(d.appointments[0].start.date), "2026-11-24");
  EXPECT_EQ(d.appointments[0].start.time, std::chrono::minutes(8 * 60 + 15));
  EXPECT_EQ(d.appointments[0].customer.last_name, "Müller");
  ASSERT_EQ(d.appointments[0].contacts.size(), 1u);
  EXPECT_TRUE(d.appointments[0].contacts[0].consent);
  EXPECT_EQ(d.appointments[1].id, "B");
  EXPECT_EQ(FormatLocalDate(d.appointments[1].start.date), "2026-12-07");
  EXPECT_FALSE(d.appointments[1].contacts[0].consent);
  EXPECT_EQ(run.report.rows_read, 2);  // the window's days were bound: C, D stayed out
}

TEST(SqlConnectorsTest, PostgreSqlWithTypedDateAndTimeColumns) {
  test::TempDir dir("kehrbote-agent-pg-");
  test::PostgresServer pg;
  pg.Start();
  pg.CreateDatabase("office");
  pg.Psql("office",
          "CREATE TABLE termine (id text, art text, datum date, beginn time, name text,"
          " tel text, tel_ok boolean);"
          "INSERT INTO termine VALUES ('A','HK','2026-11-24','08:15','Müller','0664 1',true),"
          " ('B','K','2026-12-07',NULL,'Maier','0664 2',false),"
          " ('C','K','2026-12-08',NULL,'Spät',NULL,false),"
          " ('D','K','2026-11-22',NULL,'Früh',NULL,false);");
  ExportRun run;
  ExportDocument d = Export(Config(dir.path(), "postgresql", pg.ConnectionString("office")),
                            dir.path(), &run);
  ExpectTwoAppointments(d, run);
}

TEST(SqlConnectorsTest, OdbcThroughTheSqliteDriver) {
  test::TempDir dir("kehrbote-agent-odbc-");
  std::string db = dir.Sub("office.db");
  {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", db);
    s << "CREATE TABLE termine (id TEXT, art TEXT, datum DATE, beginn TEXT, name TEXT, tel TEXT,"
         " tel_ok INTEGER)", now;
    s << "INSERT INTO termine VALUES ('A','HK','2026-11-24','08:15','Müller','0664 1',1),"
         " ('B','K','2026-12-07',NULL,'Maier','0664 2',0), ('C','K','2026-12-08',NULL,'x',NULL,0),"
         " ('D','K','2026-11-22',NULL,'y',NULL,0)", now;
  }
  ExportRun run;
  ExportDocument d = Export(
      Config(dir.path(), "odbc", "Driver=SQLite3;Database=" + db), dir.path(), &run);
  ExpectTwoAppointments(d, run);
}

TEST(SqlConnectorsTest, OdbcUnknownDataSourceFailsWithMaskedPassword) {
  test::TempDir dir("kehrbote-agent-odbc-");
  AgentConfig config = ParseAgentConfig(
      Config(dir.path(), "odbc", "DSN=GibtsNicht;UID=office;PWD=geheim"), dir.Sub("agent.yaml"));
  ManualClock clock(kNow);
  try {
    WriteExportFile(config, clock, dir.Sub("export.json"));
    FAIL() << "no SourceError";
  } catch (const SourceError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("odbc DSN=GibtsNicht;UID=office;PWD=***: cannot connect"), std::string::npos)
        << m;
    EXPECT_EQ(m.find("geheim"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace kehrbote
