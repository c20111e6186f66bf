// SqlSource against real SQLite files made with Poco::Data in the test.
#include "agent/source/sql_source.h"

#include <fstream>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include "agent/app/export_file.h"
#include "shared/export/export_reader.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using namespace Poco::Data::Keywords;

const Instant kNow = *ParseRfc3339("2026-11-23T05:00:00Z");  // window 11-23 .. 12-07

class SqlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Poco::Data::SQLite::Connector::registerConnector();
    db_ = dir_.Sub("office.db");
    Poco::Data::Session s("SQLite", db_);
    // DATE-declared columns make Poco hand out typed dates; INTEGER flags come as numbers.
    s << "CREATE TABLE termine (id TEXT, art TEXT, datum DATE, beginn DATETIME, uhrzeit TEXT,"
         " storniert INTEGER, name TEXT, tel TEXT, tel_ok INTEGER, nur_hk INTEGER)", now;
    s << "INSERT INTO termine VALUES ('A', 'HK', '2026-11-24', NULL, '08:15', 0, 'Müller',"
         " '0664 1111111', 1, 0)", now;
    s << "INSERT INTO termine VALUES ('B', 'K', '2026-12-07', NULL, NULL, 1, NULL, NULL, NULL,"
         " NULL)", now;
    s << "INSERT INTO termine VALUES ('C', 'K', '2026-12-08', NULL, NULL, 0, 'Spät', NULL, 0, 0)",
        now;  // after the window
    s << "INSERT INTO termine VALUES ('D', 'K', '2026-11-22', NULL, NULL, 0, 'Früh', NULL, 0, 0)",
        now;  // before it
    s << "INSERT INTO termine VALUES ('E', 'K', '2026-11-30', NULL, 'halb neun', 0, 'X', NULL, 0,"
         " 0)", now;  // bad time
  }

  std::string Config(const std::string& query, const std::string& extra = "") {
    return test::BaseConfig(dir_.path()) +
           "source:\n"
           "  type: sqlite\n"
           "  connection: " + db_ + "\n"
           "  query: \"" + query + "\"\n" + extra +
           "  columns:\n"
           "    id: id\n"
           "    kind_values: {HK: main_sweep, K: sweep}\n"
           "    kind: art\n"
           "    date: datum\n"
           "    time: uhrzeit\n"
           "    status: storniert\n"
           "    status_values: {\"0\": scheduled, \"1\": cancelled}\n"
           "    last_name: name\n"
           "    phones: [{number: tel, consent: tel_ok, main_sweep_only: nur_hk}]\n";
  }

  ExportDocument Export(const std::string& yaml, ExportRun* run) {
    AgentConfig config = ParseAgentConfig(yaml, dir_.Sub("agent.yaml"));
    ManualClock clock(kNow);
    *run = WriteExportFile(config, clock, dir_.Sub("export.json"));
    std::ifstream in(dir_.Sub("export.json"), std::ios::binary);
    return ReadExportDocument(in, "export.json");
  }

  test::TempDir dir_{"kehrbote-agent-sql-"};
  std::string db_;
};

TEST_F(SqlSourceTest, WindowDaysAreBoundAsParameters) {
  ExportRun run;
  ExportDocument d = Export(
      Config("SELECT * FROM termine WHERE datum BETWEEN :first_day AND :last_day ORDER BY id"),
      &run);
  ASSERT_EQ(d.appointments.size(), 2u);
  const Appointment& a = d.appointments[0];
  EXPECT_EQ(a.id, "A");
  EXPECT_EQ(a.kind, AppointmentKind::kMainSweep);
  EXPECT_EQ(FormatLocalDate(a.start.date), "2026-11-24");
  EXPECT_EQ(a.start.time, std::chrono::minutes(8 * 60 + 15));
  EXPECT_EQ(a.customer.last_name, "Müller");
  ASSERT_EQ(a.contacts.size(), 1u);
  EXPECT_TRUE(a.contacts[0].consent);
  const Appointment& b = d.appointments[1];
  EXPECT_EQ(b.status, AppointmentStatus::kCancelled);
  EXPECT_TRUE(b.contacts.empty());  // NULL phone: no contact
  EXPECT_EQ(run.report.rows_read, 3);  // C and D never left the database
  ASSERT_EQ(run.report.skipped.size(), 1u);
  EXPECT_EQ(run.report.skipped[0].id, "E");
  EXPECT_NE(run.report.skipped[0].reason.find("unparseable time 'halb neun'"), std::string::npos);
}

TEST_F(SqlSourceTest, RowsOutsideTheWindowAreCountedNotExported) {
  ExportRun run;
  ExportDocument d = Export(Config("SELECT * FROM termine"), &run);
  EXPECT_EQ(d.appointments.size(), 2u);
  EXPECT_EQ(run.report.rows_read, 5);
  EXPECT_EQ(run.report.outside_window, 2);
}

TEST_F(SqlSourceTest, BindAsText) {
  ExportRun run;
  ExportDocument d = Export(Config("SELECT * FROM termine WHERE datum >= :first_day AND datum <="
                                   " :last_day AND :first_day <> ''",
                                   "  bind_days_as: text\n"),
                            &run);
  EXPECT_EQ(d.appointments.size(), 2u);
}

TEST_F(SqlSourceTest, StartWithoutEndIsAnExactTimePerRow) {
  {
    Poco::Data::Session s("SQLite", db_);
    s << "CREATE TABLE fenster (id TEXT, datum DATE, von TEXT, bis TEXT)", now;
    s << "INSERT INTO fenster VALUES ('X', '2026-11-24', '09:30', NULL)", now;
    s << "INSERT INTO fenster VALUES ('Y', '2026-11-24', '08:00', '12:00')", now;
    s << "INSERT INTO fenster VALUES ('Z', '2026-11-24', NULL, NULL)", now;
  }
  std::string yaml = test::BaseConfig(dir_.path()) +
                     "source:\n"
                     "  type: sqlite\n"
                     "  connection: " + db_ + "\n"
                     "  query: \"SELECT * FROM fenster ORDER BY id\"\n"
                     "  columns: {id: id, date: datum, window_from: von, window_to: bis}\n";
  ExportRun run;
  ExportDocument d = Export(yaml, &run);
  EXPECT_TRUE(run.report.skipped.empty());
  ASSERT_EQ(d.appointments.size(), 3u);
  EXPECT_EQ(d.appointments[0].start.time, std::chrono::minutes(9 * 60 + 30));
  EXPECT_FALSE(d.appointments[0].start.window_from);
  EXPECT_EQ(d.appointments[1].start.window_from, std::chrono::hours(8));
  EXPECT_EQ(d.appointments[1].start.window_to, std::chrono::hours(12));
  EXPECT_FALSE(d.appointments[2].start.time || d.appointments[2].start.window_from);
}

TEST_F(SqlSourceTest, BadQueryAndMissingDatabaseFailClearly) {
  AgentConfig config =
      ParseAgentConfig(Config("SELECT * FROM termin WHERE datum >= :first_day"), dir_.Sub("a.yaml"));
  ManualClock clock(kNow);
  try {
    WriteExportFile(config, clock, dir_.Sub("x.json"));
    FAIL();
  } catch (const SourceError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("sqlite " + db_), std::string::npos) << m;
    EXPECT_NE(m.find("termin"), std::string::npos) << m;
  }
  AgentConfig missing_column = ParseAgentConfig(
      Config("SELECT id, datum FROM termine"), dir_.Sub("a.yaml"));
  EXPECT_THROW(WriteExportFile(missing_column, clock, dir_.Sub("x.json")), SourceError);
}

TEST(SqlPlaceholderTest, RewritesNamedDaysOutsideLiterals) {
  std::vector<bool> order;
  EXPECT_EQ(RewriteDayPlaceholders(
                "SELECT ':first_day', x::date FROM t WHERE d BETWEEN :first_day AND :last_day "
                "OR d = :first_day",
                false, &order),
            "SELECT ':first_day', x::date FROM t WHERE d BETWEEN ? AND ? OR d = ?");
  EXPECT_EQ(order, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(RewriteDayPlaceholders("d >= :first_day AND d <= :last_day", true, &order),
            "d >= $1 AND d <= $2");
  EXPECT_EQ(RewriteDayPlaceholders(":first_days", false, &order), ":first_days");
}

TEST(SqlPlaceholderTest, PasswordsAreMasked) {
  EXPECT_EQ(MaskConnectionString("host=db user=office password=geheim dbname=x"),
            "host=db user=office password=*** dbname=x");
  EXPECT_EQ(MaskConnectionString("DSN=Office;UID=sa;PWD={ge;heim};"), "DSN=Office;UID=sa;PWD=***;");
}

}  // namespace
}  // namespace kehrbote
