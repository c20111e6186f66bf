// Dispatcher ingest: one export of N appointments into an empty store, then the
// next day's export with 5% of them changed, read with every appointment decoded
// (no digests), then the day after's with another 5% changed, stepping over the
// unchanged ones by their digests as ApplyFile does; then (optionally) 1,000 firms
// of 100 appointments each in one pass. Timings and peak RSS (VmHWM) per step.
// An export up to SnapshotIngest::kReadAheadBytes (8 MiB, about 15,000 of these
// appointments) is read ahead of its transaction, a larger one streams through it.
//
// Usage: ingest_bench [--url sqlite:/path/x.db | postgresql:... | --postgres] [--n 100000]
//                     [--firms 1000] [--dir /tmp]
// Without --url a fresh SQLite file in a temp dir is used; --postgres starts a
// throwaway PostgreSQL (tests/support, fsync off) and uses a fresh database in it.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/store_schema.h"
#include "shared/export/export_reader.h"
#include "shared/export/export_writer.h"
#ifdef KEHRBOTE_BENCH_POSTGRES
#include "tests/support/postgres_server.h"
#endif

namespace {

using namespace kehrbote;
namespace fs = std::filesystem;

long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

Appointment Generated(size_t i, bool changed) {
  Appointment a;
  a.id = "T-" + std::to_string(1000000 + i);
  a.kind = i % 7 == 0 ? AppointmentKind::kMainSweep : AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate("2026-11-24") + std::chrono::days(i % 28);
  if (i % 3 == 0) {
    a.start.window_from = std::chrono::hours(8);
    a.start.window_to = std::chrono::hours(12);
  } else {
    a.start.time = std::chrono::hours(7) + std::chrono::minutes(15 * (i % 40));
  }
  if (changed) a.start.date += std::chrono::days(1);
  a.object = {"OBJ-" + std::to_string(i), "Hauptstraße " + std::to_string(i % 200 + 1),
              std::to_string(8010 + i % 50), "Graz"};
  a.customer = {"Frau", "Mag.", "Bärbel", "Österreicher-" + std::to_string(i), ""};
  a.contacts = {{ContactChannel::kSms, "0664 / " + std::to_string(1000000 + i), true, false},
                {ContactChannel::kEmail, "kunde" + std::to_string(i) + "@example.at", true, false}};
  return a;
}

ExportHeader Header(const std::string& firm, const std::string& generated_at) {
  ExportHeader h;
  h.firm = {firm, "Rauchfangkehrer " + firm, "Europe/Vienna", "AT", "0316 123", {}};
  h.generated_at = *ParseRfc3339(generated_at);
  h.window_from = *ParseLocalDate("2026-11-23");
  h.window_to = *ParseLocalDate("2026-12-31");
  return h;
}

// Appointment i changed (against day 1) if i % 20 < `changed_per_20`: 1 on day 2,
// 2 on day 3 (5% more than day 2), 0 for none.
void WriteFile(const std::string& path, const ExportHeader& h, size_t n, size_t changed_per_20) {
  std::ofstream out(path, std::ios::binary);
  ExportWriter writer(out, h, path);
  for (size_t i = 0; i < n; ++i) writer.Add(Generated(i, i % 20 < changed_per_20));
  writer.Finish();
}

// CPU seconds (user + system) of the whole process so far: on a shared machine the
// wall time says more about the neighbours than about the code.
double CpuSeconds() {
  rusage u {};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double cpu_mark = 0;

// SQLite: waits until the write-ahead log is copied back into the database file.
// WalCheckpointer does that on a thread of its own after a commit; without the
// wait, copying the previous step's log (150 MB after the first ingest) falls into
// the next step's CPU and wall time.
void Settle(Database& db, const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) db.Connect()->Execute("PRAGMA wal_checkpoint(TRUNCATE)");
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void Report(const char* step, double seconds, const IngestResult& r) {
  double cpu = CpuSeconds() - cpu_mark;
  std::printf(
      "%-34s %7.2f s wall %7.2f s CPU  peak RSS %6.1f MB  outcome=%s appointments=%d added=%d "
      "changed=%d unchanged=%d (skipped %d) gone=%d changed_ids=%zu\n",
      step, seconds, cpu, static_cast<double>(PeakRssKiB()) / 1024.0,
      std::string(ToString(r.outcome)).c_str(), r.appointments, r.added, r.changed, r.unchanged,
      r.skipped, r.gone, r.changed_ids.size());
  if (r.outcome != IngestOutcome::kApplied) std::printf("  reason: %s\n", r.reason.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, base = fs::temp_directory_path().string();
  size_t n = 100000, firms = 1000;
  bool postgres = false;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--postgres") {
      postgres = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", k.c_str());
      return 2;
    }
    std::string v = argv[i + 1];
    if (k == "--url") url = v;
    else if (k == "--n") n = std::stoul(v);
    else if (k == "--firms") firms = std::stoul(v);
    else if (k == "--dir") base = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
#ifdef KEHRBOTE_BENCH_POSTGRES
  std::unique_ptr<test::PostgresServer> pg;
  if (postgres) {
    pg = std::make_unique<test::PostgresServer>();
    pg->Start();
    url = pg->CreateDatabase("ingest_bench");
  }
#else
  if (postgres) {
    std::fprintf(stderr, "built without tests/support (KEHRBOTE_BUILD_TESTS=OFF)\n");
    return 2;
  }
#endif
  fs::path dir = fs::path(base) / ("kehrbote-ingest-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  if (url.empty()) url = "sqlite:" + (dir / "store.db").string();

  std::string first = (dir / "day1.json").string(), second = (dir / "day2.json").string(),
              third = (dir / "day3.json").string();
  WriteFile(first, Header("rfk-bench", "2026-11-23T05:00:00+01:00"), n, 0);
  WriteFile(second, Header("rfk-bench", "2026-11-24T05:00:00+01:00"), n, 1);  // 5%
  WriteFile(third, Header("rfk-bench", "2026-11-25T05:00:00+01:00"), n, 2);   // 5% more
  std::printf("load average %s", [] {
    std::ifstream l("/proc/loadavg");
    std::string s;
    std::getline(l, s);
    return (s + "\n");
  }().c_str());
  std::printf("store %s, %zu appointments (%.1f MB export), peak RSS before ingest %.1f MB\n", url.c_str(), n,
              fs::file_size(first) / 1e6, PeakRssKiB() / 1024.0);

  // The reader's share: read and validate the file without touching the store.
  {
    auto t0 = std::chrono::steady_clock::now();
    cpu_mark = CpuSeconds();
    std::ifstream in(first, std::ios::binary);
    ExportReader reader(in, "day1.json");
    size_t count = reader.Read([](const ExportHeader&) {}, [](Appointment&&) {});
    std::printf("%-34s %7.2f s wall %7.2f s CPU  (%zu appointments; the ExportReader alone, no store)\n",
                "read + validate only", Since(t0), CpuSeconds() - cpu_mark, count);
  }

  auto db = Database::Open(url);
  MigrateStore(*db);
  ManualClock clock(*ParseRfc3339("2026-11-23T06:00:00+01:00"));
  SnapshotIngest ingest(*db, clock);

  Settle(*db, url);
  auto t = std::chrono::steady_clock::now();
  cpu_mark = CpuSeconds();
  auto r1 = ingest.ApplyFile("rfk-bench", {"day1.json", Sha256OfFile(first)}, first);
  Report("ingest 1 (empty store)", Since(t), r1);

  clock.Advance(std::chrono::hours(24));
  Settle(*db, url);
  t = std::chrono::steady_clock::now();
  cpu_mark = CpuSeconds();
  IngestResult r2;
  {
    // Read without the store's digests: every appointment decoded and checked. A
    // file over kReadAheadBytes is only named here and streams, stepping over.
    PreparedExport p = SnapshotIngest::Prepare({"day2.json", Sha256OfFile(second)}, second);
    r2 = ingest.ApplyPrepared("rfk-bench", p);
  }
  Report(fs::file_size(second) > SnapshotIngest::kReadAheadBytes ? "ingest 2 (5% changed), streamed"
                                                                 : "ingest 2 (5% changed), decoded",
         Since(t), r2);

  clock.Advance(std::chrono::hours(24));
  Settle(*db, url);
  t = std::chrono::steady_clock::now();
  cpu_mark = CpuSeconds();
  auto r3 = ingest.ApplyFile("rfk-bench", {"day3.json", Sha256OfFile(third)}, third);
  Report("ingest 3 (5% changed), skipping", Since(t), r3);

  // The store side alone: the same 100,000 appointments for another firm, handed
  // over from memory (no file, no reader, no schema validation).
  {
    clock.Advance(std::chrono::hours(1));
    Settle(*db, url);
    size_t i = 0;
    t = std::chrono::steady_clock::now();
    cpu_mark = CpuSeconds();
    auto r = ingest.Apply("rfk-memory", {"memory.json", "memory"}, Header("rfk-memory", "2026-11-24T05:00:00+01:00"),
                          [&](Appointment& out) {
                            if (i == n) return false;
                            out = Generated(i++, false);
                            return true;
                          });
    Report("store side only (no reader), new", Since(t), r);
  }

  if (firms > 0) {
    std::vector<std::string> files;
    for (size_t f = 0; f < firms; ++f) {
      std::string id = "firm-" + std::to_string(f);
      std::string path = (dir / (id + ".json")).string();
      WriteFile(path, Header(id, "2026-11-24T05:00:00+01:00"), 100, 0);
      files.push_back(path);
    }
    t = std::chrono::steady_clock::now();
    cpu_mark = CpuSeconds();
    IngestResult last;
    size_t applied = 0;
    for (size_t f = 0; f < firms; ++f) {
      last = ingest.ApplyFile("firm-" + std::to_string(f), {"e.json", Sha256OfFile(files[f])}, files[f]);
      if (last.outcome == IngestOutcome::kApplied) ++applied;
    }
    char step[64];
    std::snprintf(step, sizeof step, "%zu firms x 100 (%zu applied)", firms, applied);
    Report(step, Since(t), last);
  }
  fs::remove_all(dir);
  const bool applied = r1.outcome == IngestOutcome::kApplied &&
                       r2.outcome == IngestOutcome::kApplied &&
                       r3.outcome == IngestOutcome::kApplied;
  return applied ? 0 : 1;
}
