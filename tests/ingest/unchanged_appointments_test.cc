// Ingest steps over unchanged appointments by the digest of their bytes
// (ExportReader::ReadItems, appointments.raw_digest): the counter shows it, the
// store ends up row for row as after reading every appointment, and a bad
// export is still refused whole. On SQLite and PostgreSQL.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/store_schema.h"
#include "shared/export/raw_appointment_digest.h"
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

// Gives appointment `id` of an export ExportWriter wrote a kind the schema does
// not know.
void BreakKind(std::string& text, const std::string& id) {
  const size_t at = text.find("\"sweep\"", text.find("\"" + id + "\""));
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"chimney\"");
}

class UnchangedAppointmentsTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  UnchangedAppointmentsTest() { MigrateStore(db()); }

  Database& db() { return fresh_.db(); }

  IngestResult Apply(const std::string& name, const std::string& text) {
    std::istringstream in(text);
    return ingest_.ApplyStream("huber", {name, "sha-" + name}, in);
  }

  // Through a file, read ahead of the transaction (well under kReadAheadBytes).
  IngestResult ApplyFile(const std::string& name, const std::string& text) {
    EXPECT_LT(text.size(), SnapshotIngest::kReadAheadBytes / 8);
    const std::string path = dir_.Sub(name);
    std::ofstream(path, std::ios::binary) << text;
    return ingest_.ApplyFile("huber", {name, "sha-" + name}, path);
  }

  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }

  test::TempDir dir_{"kehrbote-unchanged-"};
  test::FreshDatabase fresh_{GetParam()};
  ManualClock clock_{*ParseRfc3339("2026-11-23T06:00:00+01:00")};
  SnapshotIngest ingest_{db(), clock_};
};

// Most firms' exports are small (well under kReadAheadBytes) and read ahead of
// the transaction (ApplyFile); large ones stream through it (ApplyStream, used
// here for any size). Both step over the unchanged appointments.
TEST_P(UnchangedAppointmentsTest, UnchangedAppointmentsAreNotDecoded) {
  std::vector<Appointment> day1 = Many(400);
  auto first =
      Apply("e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1));
  ASSERT_EQ(first.outcome, IngestOutcome::kApplied) << first.reason;
  EXPECT_EQ(first.skipped, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments WHERE raw_digest = ''"), 0);

  // Day 2 read ahead, day 3 streamed: 5 % changed each (20 of 400).
  std::vector<Appointment> day = day1;
  for (int d = 2; d <= 3; ++d) {
    std::vector<std::string> changed;
    for (int i = d; i < 400; i += 20) {
      day[i].start.time = std::chrono::hours(11);
      changed.push_back(day[i].id);
    }
    const std::string name = "e" + std::to_string(d) + ".json";
    const std::string text = WriteExport(
        MakeHeader("huber", "2026-11-2" + std::to_string(2 + d) + "T05:00:00+01:00"), day);
    clock_.Advance(std::chrono::hours(24));
    auto r = d == 2 ? ApplyFile(name, text) : Apply(name, text);
    ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
    EXPECT_EQ(r.appointments, 400);
    EXPECT_EQ(r.changed, 20);
    EXPECT_EQ(r.unchanged, 380);
    EXPECT_EQ(r.skipped, 380);
    EXPECT_EQ(r.changed_ids, changed);
    // 11:00 in Vienna (UTC+1) on each changed one, in a new version.
    EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments WHERE current_version = 2 AND "
                    "start_at % 86400 = 10 * 3600"),
              20 * (d - 1));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments WHERE current_version = 1"), 360);
}

// The same exports streamed (ApplyStream), read ahead (ApplyFile: a small file,
// read whole before the transaction) and, into a third store, read ahead without
// the store's digests (every appointment decoded): the same rows, the same
// results but the counter.
TEST_P(UnchangedAppointmentsTest, SameRowsAsReadingEveryAppointment) {
  test::FreshDatabase read_ahead_store(GetParam()), decoded_store(GetParam());
  MigrateStore(read_ahead_store.db());
  MigrateStore(decoded_store.db());
  SnapshotIngest read_ahead(read_ahead_store.db(), clock_), decoded(decoded_store.db(), clock_);
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
  int streamed_skipped = 0, read_ahead_skipped = 0;
  for (size_t i = 0; i < days.size(); ++i) {
    const std::string name = "e" + std::to_string(i) + ".json";
    const std::string text = WriteExport(MakeHeader("huber", days[i].first), days[i].second);
    const std::string path = dir.Sub(name);
    std::ofstream(path, std::ios::binary) << text;
    const ExportFileInfo file{name, "sha-" + name};
    PreparedExport all_decoded = SnapshotIngest::Prepare(file, path);
    const IngestResult reference = decoded.ApplyPrepared("huber", all_decoded);
    ASSERT_EQ(reference.outcome, IngestOutcome::kApplied) << reference.reason;
    EXPECT_EQ(reference.skipped, 0);
    const IngestResult streamed = Apply(name, text);
    const IngestResult read_whole = read_ahead.ApplyFile("huber", file, path);
    streamed_skipped += streamed.skipped;
    read_ahead_skipped += read_whole.skipped;
    for (const IngestResult& r : {streamed, read_whole}) {
      ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
      EXPECT_EQ(r.changed_ids, reference.changed_ids) << name;
      EXPECT_EQ(r.refreshed_ids, reference.refreshed_ids) << name;
      EXPECT_EQ(
          std::tie(r.added, r.changed, r.cancelled, r.gone, r.restored, r.unchanged, r.refreshed),
          std::tie(reference.added, reference.changed, reference.cancelled, reference.gone,
                   reference.restored, reference.unchanged, reference.refreshed))
          << name;
    }
    EXPECT_EQ(Rows(db()), Rows(decoded_store.db())) << name;
    EXPECT_EQ(Rows(read_ahead_store.db()), Rows(decoded_store.db())) << name;
    clock_.Advance(std::chrono::hours(24));
  }
  // Day 2: 46 of 49 as on day 1; day 3: all but the restored one; day 4: all 50.
  EXPECT_EQ(streamed_skipped, 46 + 49 + 50);
  EXPECT_EQ(read_ahead_skipped, 46 + 49 + 50);
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
  BreakKind(text, "A-0015");  // 18 unchanged, 1 changed, 1 changed and bad
  clock_.Advance(std::chrono::hours(24));
  // Streamed, and read ahead of the transaction (a small file, as most firms').
  for (const IngestResult& r : {Apply("bad.json", text), ApplyFile("bad-file.json", text)}) {
    ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
    EXPECT_NE(r.reason.find("/appointments/14"), std::string::npos) << r.reason;
    EXPECT_EQ(Rows(db()), before);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files WHERE outcome = 'rejected'"), 2);
}

// The bytes of appointment `id` in an export ExportWriter wrote (one a line).
std::string RawBytesOf(const std::string& text, const std::string& id) {
  const size_t begin = text.rfind('{', text.find("\"" + id + "\""));
  return text.substr(begin, text.find(",\n", begin) - begin);
}

// Bytes byte for byte those an appointment's current version was read from are
// not checked again: they were valid when stored. Here the store is made to
// hold the digest of bytes today's checks refuse (as after checks that tightened
// without a new kRawDigestEpoch); they are stepped over, not refused.
TEST_P(UnchangedAppointmentsTest, BrokenBytesStoredBeforeAreSteppedOver) {
  std::vector<Appointment> day1 = Many(20);
  ASSERT_EQ(
      ApplyFile("e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1))
          .outcome,
      IngestOutcome::kApplied);
  std::string text = WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), day1);
  BreakKind(text, "A-0007");
  const std::string digest =
      RawAppointmentDigest(RawBytesOf(text, "A-0007"), SchemaStrictness::kStrict);
  Execute(*db().Connect(),
          "UPDATE appointments SET raw_digest = '" + digest + "' WHERE appointment_id = 'A-0007'");
  clock_.Advance(std::chrono::hours(24));
  auto r = ApplyFile("e2.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.unchanged, 20);
  EXPECT_EQ(r.skipped, 20);
  // Streamed, the same.
  clock_.Advance(std::chrono::hours(1));
  r = Apply("e3.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.skipped, 20);
}

// A file read ahead with digests taken before the firm changed: an appointment
// stepped over by a digest the store no longer holds is found out under the
// firm's lock, and the file is read again there.
TEST_P(UnchangedAppointmentsTest, DigestsTakenBeforeAChangeAreCheckedUnderTheLock) {
  std::vector<Appointment> day1 = Many(30);
  const std::string day1_text = WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), day1);
  ASSERT_EQ(ApplyFile("e1.json", day1_text).outcome, IngestOutcome::kApplied);
  const KnownRawDigests before_day2 = ingest_.KnownDigests("huber");
  EXPECT_EQ(before_day2.size(), 30u);

  std::vector<Appointment> day2 = day1;
  day2[4].start.time = std::chrono::hours(11);  // A-0005 changes on day 2 ...
  clock_.Advance(std::chrono::hours(24));
  ASSERT_EQ(
      ApplyFile("e2.json", WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), day2))
          .changed,
      1);

  // ... and back on day 3: its bytes are day 1's, whose digest `before_day2` has.
  const std::string path = dir_.Sub("e3.json");
  std::ofstream(path, std::ios::binary)
      << WriteExport(MakeHeader("huber", "2026-11-25T05:00:00+01:00"), day1);
  PreparedExport p = SnapshotIngest::Prepare({"e3.json", "sha-e3"}, path, &before_day2);
  EXPECT_TRUE(p.appointments.at(4).known);
  clock_.Advance(std::chrono::hours(24));
  auto r = ingest_.ApplyPrepared("huber", p);
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.changed, 1);
  EXPECT_EQ(r.changed_ids, std::vector<std::string>{"A-0005"});
  EXPECT_EQ(r.skipped, 29);  // read again with the digests now: all but A-0005
  EXPECT_EQ(Count("SELECT current_version FROM appointments WHERE appointment_id = 'A-0005'"), 3);
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
