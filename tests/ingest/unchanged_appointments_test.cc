// Ingest steps over unchanged appointments by the digest of their bytes
// (ExportReader::ReadItems, appointments.raw_digest): the counter shows it, the
// store ends up row for row as after reading every appointment, and a bad
// export is still refused whole. On SQLite and PostgreSQL.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/store_schema.h"
#include "tests/ingest/export_builder.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using test::MakeAppointment;
using test::MakeHeader;
using test::WriteExport;

std::vector<Appointment> Many(int n) {
  std::vector<Appointment> out;
  for (int i = 1; i <= n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "A-%04d", i);
    out.push_back(MakeAppointment(id, "2026-12-0" + std::to_string(1 + i % 9)));
  }
  return out;
}

// Every row of the two ingest tables, one text a row, in key order.
std::vector<std::string> Rows(Database& db) {
  PooledConnection c = db.Connect();
  std::vector<std::string> rows;
  for (const char* sql :
       {"SELECT firm_id || '|' || appointment_id || '|' || current_version || '|' || status || "
        "'|' || kind || '|' || start_at || '|' || content_hash || '|' || data_hash || '|' || "
        "updated_at || '|' || raw_digest FROM appointments ORDER BY firm_id, appointment_id",
        "SELECT firm_id || '|' || appointment_id || '|' || version || '|' || change || '|' || "
        "status || '|' || kind || '|' || start_at || '|' || start_local || '|' || data || '|' || "
        "content_hash || '|' || cancel_reason || '|' || export_name || '|' || "
        "export_generated_at || '|' || created_at FROM appointment_versions "
        "ORDER BY firm_id, appointment_id, version"}) {
    SqlStatement q(*c, sql);
    while (q.Step()) rows.push_back(q.Text(0));
  }
  return rows;
}

class UnchangedAppointmentsTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  UnchangedAppointmentsTest() { MigrateStore(db()); }

  Database& db() { return fresh_.db(); }

  IngestResult Apply(const std::string& name, const std::string& text) {
    std::istringstream in(text);
    return ingest_.ApplyStream("huber", {name, "sha-" + name}, in);
  }

  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }

  test::FreshDatabase fresh_{GetParam()};
  ManualClock clock_{*ParseRfc3339("2026-11-23T06:00:00+01:00")};
  SnapshotIngest ingest_{db(), clock_};
};

TEST_P(UnchangedAppointmentsTest, UnchangedAppointmentsAreNotDecoded) {
  std::vector<Appointment> day1 = Many(100);
  auto first =
      Apply("e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1));
  ASSERT_EQ(first.outcome, IngestOutcome::kApplied) << first.reason;
  EXPECT_EQ(first.skipped, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments WHERE raw_digest = ''"), 0);

  std::vector<Appointment> day2 = day1;
  for (int i = 0; i < 100; i += 20) day2[i].start.time = std::chrono::hours(11);
  clock_.Advance(std::chrono::hours(24));
  auto r = Apply("e2.json", WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), day2));
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.appointments, 100);
  EXPECT_EQ(r.changed, 5);
  EXPECT_EQ(r.unchanged, 95);
  EXPECT_EQ(r.skipped, 95);
  EXPECT_EQ(r.changed_ids.size(), 5u);
}

// The same exports through ApplyFile (read ahead whole: every appointment
// decoded) into a second store: the same rows, the same results but the counter.
TEST_P(UnchangedAppointmentsTest, SameRowsAsReadingEveryAppointment) {
  test::FreshDatabase other_store(GetParam());
  MigrateStore(other_store.db());
  SnapshotIngest full(other_store.db(), clock_);
  test::TempDir dir("kehrbote-unchanged-");

  std::vector<Appointment> day1 = Many(50), day2 = Many(50);
  day2[3].start.time = std::chrono::hours(11);     // changed
  day2[4].customer.last_name = "Neumann";          // refreshed
  day2[5].status = AppointmentStatus::kCancelled;  // cancelled
  day2.erase(day2.begin() + 6);                    // gone
  std::vector<Appointment> day3 = day2;
  day3.push_back(day1[6]);  // restored
  const std::vector<std::pair<std::string, std::vector<Appointment>>> days = {
      {"2026-11-23T05:00:00+01:00", day1},
      {"2026-11-24T05:00:00+01:00", day2},
      {"2026-11-25T05:00:00+01:00", day3},
      {"2026-11-26T05:00:00+01:00", day3}};
  int skipped = 0;
  for (size_t i = 0; i < days.size(); ++i) {
    const std::string name = "e" + std::to_string(i) + ".json";
    const std::string text = WriteExport(MakeHeader("huber", days[i].first), days[i].second);
    const std::string path = dir.Sub(name);
    std::ofstream(path, std::ios::binary) << text;
    IngestResult streamed = Apply(name, text);
    IngestResult read_whole = full.ApplyFile("huber", {name, "sha-" + name}, path);
    ASSERT_EQ(streamed.outcome, IngestOutcome::kApplied) << streamed.reason;
    EXPECT_EQ(read_whole.skipped, 0);
    skipped += streamed.skipped;
    streamed.skipped = read_whole.skipped;
    EXPECT_EQ(streamed.changed_ids, read_whole.changed_ids) << name;
    EXPECT_EQ(streamed.refreshed_ids, read_whole.refreshed_ids) << name;
    EXPECT_EQ(std::tie(streamed.added, streamed.changed, streamed.cancelled, streamed.gone,
                       streamed.restored, streamed.unchanged, streamed.refreshed),
              std::tie(read_whole.added, read_whole.changed, read_whole.cancelled, read_whole.gone,
                       read_whole.restored, read_whole.unchanged, read_whole.refreshed))
        << name;
    EXPECT_EQ(Rows(db()), Rows(other_store.db())) << name;
    clock_.Advance(std::chrono::hours(24));
  }
  // Day 2: 46 of 49 as on day 1; day 3: all but the restored one; day 4: all 50.
  EXPECT_EQ(skipped, 46 + 49 + 50);
}

TEST_P(UnchangedAppointmentsTest, BadExportIsRefusedWholeBesideUnchangedAppointments) {
  std::vector<Appointment> day1 = Many(20);
  ASSERT_EQ(
      Apply("e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1)).outcome,
      IngestOutcome::kApplied);
  const std::vector<std::string> before = Rows(db());

  std::vector<Appointment> day2 = day1;
  day2[2].start.time = std::chrono::hours(11);  // changed, valid
  std::string text = WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), day2);
  // A-0015 gets a kind the schema does not know: 18 unchanged, 1 changed, 1 bad.
  const size_t at = text.find("\"sweep\"", text.find("\"A-0015\""));
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"chimney\"");
  clock_.Advance(std::chrono::hours(24));
  auto r = Apply("bad.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_NE(r.reason.find("/appointments/14"), std::string::npos) << r.reason;
  EXPECT_EQ(Rows(db()), before);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files WHERE outcome = 'rejected'"), 1);
}

TEST_P(UnchangedAppointmentsTest, KnownAppointmentTwiceIsRefused) {
  std::vector<Appointment> day1 = Many(5);
  ASSERT_EQ(
      Apply("e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1)).outcome,
      IngestOutcome::kApplied);
  // A-0002's bytes again at the end (ExportWriter would refuse to write them twice).
  std::string text = WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), day1);
  const size_t begin = text.rfind('{', text.find("\"A-0002\""));
  const std::string a2 = text.substr(begin, text.find(",\n", begin) - begin);
  text.insert(text.rfind('}', text.rfind(']')) + 1, ",\n    " + a2);
  clock_.Advance(std::chrono::hours(24));
  auto r = Apply("e2.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_NE(r.reason.find("duplicate appointment id \"A-0002\""), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("/appointments/5/id"), std::string::npos) << r.reason;
}

// A store of schema 1 (before digests) migrates; its appointments are decoded
// once more, get their digests, and are stepped over from then on.
TEST_P(UnchangedAppointmentsTest, StoreWithoutDigestsLearnsThem) {
  test::FreshDatabase old_store(GetParam());
  old_store.db().Migrate(kStoreComponent, {StoreMigrations().at(0)});
  MigrateStore(old_store.db());
  SnapshotIngest ingest(old_store.db(), clock_);
  const std::string text = WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), Many(10));
  auto apply = [&](const std::string& name) {
    std::istringstream in(text);
    return ingest.ApplyStream("huber", {name, "sha-" + name}, in);
  };
  ASSERT_EQ(apply("e1.json").outcome, IngestOutcome::kApplied);
  // As the rows of a store written before migration 2.
  Execute(*old_store.db().Connect(), "UPDATE appointments SET raw_digest = ''");
  clock_.Advance(std::chrono::hours(1));
  auto relearn = apply("e2.json");
  EXPECT_EQ(relearn.unchanged, 10);
  EXPECT_EQ(relearn.skipped, 0);
  EXPECT_EQ(QueryInt(*old_store.db().Connect(),
                     "SELECT COUNT(*) FROM appointments WHERE raw_digest = ''"),
            0);
  clock_.Advance(std::chrono::hours(1));
  auto skip = apply("e3.json");
  EXPECT_EQ(skip.unchanged, 10);
  EXPECT_EQ(skip.skipped, 10);
}

INSTANTIATE_TEST_SUITE_P(Dialects, UnchangedAppointmentsTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
