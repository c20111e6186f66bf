// Two dispatcher PROCESSES ingest the same firm on one PostgreSQL at once: the
// advisory lock serializes them, so every file is processed by exactly one of
// them and no appointment gets a version twice. The second process is this test
// binary started again with IngestHelperProcess.Run selected (that test does
// nothing unless the parent sets its environment).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/store_schema.h"
#include "tests/ingest/export_builder.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

constexpr int kExports = 16;

std::string ExportPath(const std::string& dir, int i) { return dir + "/e" + std::to_string(i) + ".json"; }

// Applies every export of `dir` in the given order; returns one outcome per line.
std::string ApplyAll(Database& db, const std::string& dir, bool reverse) {
  ManualClock clock(*ParseRfc3339("2026-11-23T06:00:00+01:00"));
  SnapshotIngest ingest(db, clock);
  std::string outcomes;
  for (int k = 0; k < kExports; ++k) {
    int i = reverse ? kExports - 1 - k : k;
    std::string path = ExportPath(dir, i);
    IngestResult r = ingest.ApplyFile("huber", {"e" + std::to_string(i) + ".json", Sha256OfFile(path)}, path);
    outcomes += std::string(ToString(r.outcome)) + "\n";
  }
  return outcomes;
}

TEST(IngestHelperProcess, Run) {
  const char* url = std::getenv("KEHRBOTE_INGEST_HELPER_URL");
  const char* dir = std::getenv("KEHRBOTE_INGEST_HELPER_DIR");
  if (!url || !dir) GTEST_SKIP() << "second process of TwoProcessIngest; runs only when started by it";
  auto db = Database::Open(url);
  std::string outcomes = ApplyAll(*db, dir, false);
  std::ofstream(std::string(dir) + "/helper-outcomes") << outcomes;
}

TEST(TwoProcessIngest, SameFirmOnOnePostgresSerializes) {
  auto& pg = test::SharedPostgresServer();
  std::string url = pg.CreateDatabase("two_process_" + std::to_string(::getpid()));
  auto db = Database::Open(url);
  MigrateStore(*db);

  test::TempDir dir("kehrbote-2proc-");
  for (int i = 0; i < kExports; ++i) {
    std::vector<Appointment> apps;
    for (int a = 0; a < 200; ++a) {
      auto app = test::MakeAppointment("A" + std::to_string(a), "2026-12-0" + std::to_string(1 + a % 9));
      app.start.time = std::chrono::minutes(7 * 60 + 10 * i);  // every export moves every appointment
      apps.push_back(app);
    }
    char gen[64];
    std::snprintf(gen, sizeof gen, "2026-11-23T05:%02d:00+01:00", i);
    std::ofstream(ExportPath(dir.path(), i)) << test::WriteExport(test::MakeHeader("huber", gen), apps);
  }

  test::ChildOptions options;
  options.argv = {"/proc/self/exe", "--gtest_filter=IngestHelperProcess.Run"};
  options.env = {"KEHRBOTE_INGEST_HELPER_URL=" + url, "KEHRBOTE_INGEST_HELPER_DIR=" + dir.path()};
  options.output_file = dir.Sub("helper.log");
  auto child = test::ChildProcess::Spawn(options);
  std::string mine = ApplyAll(*db, dir.path(), true);  // the other end first
  auto status = child.Wait(std::chrono::seconds(120));
  ASSERT_TRUE(status.has_value()) << "helper did not finish";
  std::ifstream log(dir.Sub("helper.log"));
  std::stringstream log_text;
  log_text << log.rdbuf();
  ASSERT_EQ(*status, 0) << log_text.str();
  std::ifstream helper_in(dir.Sub("helper-outcomes"));
  std::stringstream theirs;
  theirs << helper_in.rdbuf();

  int applied = 0, ignored = 0, duplicate = 0, other = 0;
  std::istringstream all(mine + theirs.str());
  for (std::string line; std::getline(all, line);) {
    if (line == "applied") ++applied;
    else if (line == "ignored") ++ignored;
    else if (line == "duplicate") ++duplicate;
    else ++other;
  }
  EXPECT_EQ(applied + ignored + duplicate + other, 2 * kExports);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(duplicate, kExports) << "each file processed by exactly one process";
  EXPECT_GE(applied, 1);

  PooledConnection c = db->Connect();
  const int64_t versions = QueryInt(*c, "SELECT COUNT(*) FROM appointment_versions").value_or(0);
  const int64_t sum_current =
      QueryInt(*c, "SELECT SUM(current_version) FROM appointments").value_or(0);
  const int64_t max_current =
      QueryInt(*c, "SELECT MAX(current_version) FROM appointments").value_or(0);
  const int64_t processed = QueryInt(*c, "SELECT COUNT(*) FROM processed_files").value_or(0);
  EXPECT_EQ(versions, sum_current) << "versions 1..current, none twice";
  EXPECT_EQ(versions, 200 * applied);
  EXPECT_EQ(max_current, applied);
  EXPECT_EQ(processed, kExports);
  // The newest export wins, whichever process got there first.
  const int64_t last_time_ok =
      QueryInt(*c,
               "SELECT COUNT(*) FROM appointment_versions v JOIN appointments a ON "
               "a.firm_id = v.firm_id AND a.appointment_id = v.appointment_id AND "
               "a.current_version = v.version WHERE v.start_local LIKE '%T09:30:00'")
          .value_or(0);
  EXPECT_EQ(last_time_ok, 200);  // 07:00 + 10 min * 15
}

}  // namespace
}  // namespace kehrbote
