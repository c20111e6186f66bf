// store_copy_bench: `kehrbote-dispatcher store copy` of a SQLite store into a
// throwaway PostgreSQL (tests/support: loopback, fsync off), for the figure in
// docs/partner-guide.md ("Moving from SQLite to PostgreSQL").
//
//   cmake --build build --target plan_bench store_copy_bench
//   build/bench/plan_bench --store sqlite:/tmp/copy-bench/store.db   # 1,000 firms x 100
//   build/bench/store_copy_bench sqlite:/tmp/copy-bench/store.db [--batch 5000]
//
// Not timed: the source brought to this program's schema (plan_bench leaves
// out the portal's components; as --migrate-source), the server's start.
// Timed: CopyStore as the command runs it (the target's migrations, the copy,
// the row counts, the sequences, the commit). Printed: each table's rows and
// seconds, the total, rows per second, peak RSS (the copy holds one batch, not
// the store) and the load average before and after.
//
// Figure (docs/partner-guide.md): 2026-12-07 12:16 UTC, 2 cores at load 11.6-12.0
// (others' builds), plan_bench's 1,000-firm store (513,000 rows): 21.0 s, 35 MB
// peak RSS, one run. Idle (load 0.8-2, 2026-12-07 23:56 and 12-08 00:43 UTC): 7.0 s,
// 5.6 s, 5.1 s, 32 MB.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store_copy/store_copy.h"
#include "tests/support/postgres_server.h"

namespace {

std::string LoadAverage() {
  std::ifstream l("/proc/loadavg");
  std::string s;
  std::getline(l, s);
  return s;
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: store_copy_bench sqlite:/path/store.db [--batch ROWS]\n";
    return 2;
  }
  kehrbote::StoreCopyOptions options;
  options.from = argv[1];
  if (argc >= 4 && std::string(argv[2]) == "--batch") options.rows_per_batch = std::stoul(argv[3]);
  try {
    kehrbote::MigrateDispatcherStore(*kehrbote::Database::Open(options.from));
    kehrbote::test::PostgresServer& pg = kehrbote::test::SharedPostgresServer();
    options.to = pg.CreateDatabase("store_copy_bench");
    options.on_table = [](const kehrbote::TableCopied& t) {
      std::printf("  %-24s %9lld rows %7.2f s\n", t.table.c_str(), static_cast<long long>(t.rows),
                  t.seconds);
      std::fflush(stdout);
    };
    std::printf("store copy %s, batches of %zu rows; load average %s\n", options.from.c_str(),
                options.rows_per_batch, LoadAverage().c_str());
    const kehrbote::StoreCopyResult r = kehrbote::CopyStore(options);
    std::printf("copied %zu tables, %lld rows in %.1f s (%.0f rows/s); peak RSS %.0f MB\n",
                r.tables.size(), static_cast<long long>(r.rows), r.seconds,
                r.seconds > 0 ? r.rows / r.seconds : 0.0, PeakRssMb());
    std::printf("load average after: %s\n", LoadAverage().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "store_copy_bench: " << e.what() << "\n";
    return 1;
  }
}
