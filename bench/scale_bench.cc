// scale_bench: a partner of N firms on one PostgreSQL, served by several
// `once` passes started at the same moment in separate processes, sharing the
// firms through their claims (Database::TryClaimFirm). Issue 17's goal: the pass
// of 10,000 firms x 100 appointments (1,000,000 appointments, 2,000,000 planned
// messages) with two instances under 60 s on the 2-core machine, and the time
// per firm flat from 1,000 to 10,000 firms.
//
//   scale_bench [--firms 1000,3000,10000] [--appointments 100] [--instances 2]
//
// Setup (not timed): a throwaway PostgreSQL (tests/support, fsync off, data on
// /dev/shm); bench_firms.h's firms and their exports, written once for the
// largest N into a local inbox directory; per N a fresh database with every
// component's migrations, as `once` has it. Then the instances: this program
// again (--worker), each opening the store and building its DispatcherApp, and
// waiting until all are ready.
//
// Timed: from the start signal until the last instance exits. Each instance runs
// DispatcherApp::RunPass(now, full) with LocalPuller (local_puller.h: the
// exports are already local; the SFTP transfer is left out because the loopback
// sshd would share the 2 cores with the pass and measure the SSH cipher rather
// than the store; plan_bench --sftp measures it for 1,000 firms) and no sender
// (messages stay 'planned'). Each instance prints its pass and its parts: pull
// (with planning beside it), the rest of planning after the pull, heartbeat; the
// exports it applied, the firms it skipped because the other instance had them,
// what it planned.
//
// Counted afterwards by SQL: appointments, planned messages, duplicates
// (messages of one firm, appointment, contact and rule beyond the first),
// heartbeats and duplicate heartbeats, planned versions and duplicate ones.
// Printed per N: the pass's wall time and the time per firm (the curve).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_firms.h"
#include "bench/local_puller.h"
#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/outbox/delivery_schema.h"
#include "tests/support/postgres_server.h"

using namespace kehrbote;
using namespace kehrbote::bench;

namespace {

constexpr int kReadyFd = 3;  // a worker writes one byte here when ready; reads the start from stdin

struct Options {
  std::vector<int> firms{1000, 3000, 10000};
  int appointments = 100;
  int instances = 2;
  // --worker
  bool worker = false;
  int instance = 0;
  std::string store, dir;
};

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

// One instance's pass, started by the parent's signal.
int RunWorker(const Options& o) {
  const int firms = o.firms.at(0);
  DispatcherConfig config = BenchConfig(firms, o.dir);
  config.store_url = o.store;
  std::vector<std::string> files;
  for (const FirmConfig& f : config.firms) files.push_back(BenchExportPath(o.dir, f.id()));
  auto db = Database::Open(o.store);
  DispatcherApp app(config, *db);
  ManualClock clock(BenchNow());
  SnapshotIngest ingest(*db, clock);
  PullFigures pulled;
  app.set_puller(LocalPuller(*db, ingest, config, files, pulled));
  char byte = 1;
  if (write(kReadyFd, &byte, 1) != 1 || read(0, &byte, 1) != 1) return 2;
  const double cpu0 = CpuSeconds();
  PassResult r = app.RunPass(BenchNow(), /*full=*/true);
  int applied = 0;
  for (const IngestResult& i : r.ingested) applied += i.outcome == IngestOutcome::kApplied;
  std::printf(
      "  instance %d: pass %.2f s wall, %.2f s CPU: pull %.2f s (planning beside it), "
      "after the pull %.2f s (planning %.2f s in all, heartbeat %.2f s); applied %d "
      "exports, skipped %d firms the other instance had; planned %d appointments, %d "
      "messages; %d heartbeats\n",
      o.instance, r.seconds.total, CpuSeconds() - cpu0, r.seconds.pull,
      r.seconds.total - r.seconds.pull, r.seconds.plan, r.seconds.heartbeat, applied,
      pulled.skipped, r.plan.appointments, r.plan.planned, r.heartbeat.heartbeats);
  std::fflush(stdout);
  return r.failures.empty() ? 0 : 1;
}

struct Worker {
  pid_t pid;
  int start_fd;  // write end of its stdin
};

Worker SpawnWorker(const Options& o, int n, int instance, const std::string& store, int ready_fd) {
  int start[2];
  if (pipe(start) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(start[0], 0);
    dup2(ready_fd, kReadyFd);
    const std::vector<std::string> args = {"/proc/self/exe", "--worker",
                                           "--instance",     std::to_string(instance),
                                           "--store",        store,
                                           "--firms",        std::to_string(n),
                                           "--appointments", std::to_string(o.appointments),
                                           "--dir",          o.dir};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(start[0]);
  return {pid, start[1]};
}

int64_t Count(Database& db, const std::string& sql) {
  return QueryInt(*db.Connect(), sql).value_or(-1);
}

// One N: a fresh database, the instances' pass, the counts. Returns the wall time.
double RunScale(const Options& o, test::PostgresServer& pg, int n) {
  const std::string name = "scale_bench_" + std::to_string(n);
  const std::string store = pg.CreateDatabase(name);
  {
    DispatcherConfig config = BenchConfig(n, o.dir);
    auto db = Database::Open(store);
    DispatcherApp(config, *db).Migrate();
    db->Migrate(kDeliveryComponent, DeliveryMigrations());
  }
  std::printf("%d firms x %d appointments, %d instances; load average %s\n", n, o.appointments,
              o.instances, LoadAverage().c_str());
  std::fflush(stdout);
  int ready[2];
  if (pipe(ready) != 0) throw std::runtime_error("pipe failed");
  std::vector<Worker> workers;
  workers.reserve(o.instances);
  for (int i = 0; i < o.instances; ++i)
    workers.push_back(SpawnWorker(o, n, i + 1, store, ready[1]));
  close(ready[1]);
  char byte;
  for (int i = 0; i < o.instances; ++i)
    if (read(ready[0], &byte, 1) != 1) throw std::runtime_error("a worker did not get ready");
  close(ready[0]);
  const auto t0 = std::chrono::steady_clock::now();
  for (Worker& w : workers) {
    byte = 1;
    if (write(w.start_fd, &byte, 1) != 1) throw std::runtime_error("cannot start a worker");
    close(w.start_fd);
  }
  bool ok = true;
  for (Worker& w : workers) {
    int status = 0;
    waitpid(w.pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  auto db = Database::Open(store);
  const int64_t appointments = Count(*db, "SELECT COUNT(*) FROM appointments");
  const char* reminders = "FROM messages WHERE rule_id NOT IN ('heartbeat', 'alarm')";
  const int64_t messages = Count(*db, std::string("SELECT COUNT(*) ") + reminders);
  const int64_t duplicates =
      messages - Count(*db, std::string("SELECT COUNT(*) FROM (SELECT DISTINCT firm_id, "
                                        "appointment_id, contact_key, rule_id ") +
                                reminders + ") d");
  const int64_t heartbeats =
      Count(*db, "SELECT COUNT(*) FROM messages WHERE rule_id = 'heartbeat'");
  const int64_t heartbeat_duplicates =
      heartbeats - Count(*db,
                         "SELECT COUNT(DISTINCT firm_id) FROM messages WHERE rule_id = "
                         "'heartbeat'");
  const int64_t versions = Count(*db, "SELECT COUNT(*) FROM planned_versions");
  const int64_t version_duplicates =
      versions - Count(*db,
                       "SELECT COUNT(*) FROM (SELECT DISTINCT firm_id, appointment_id, "
                       "version FROM planned_versions) d");
  std::printf(
      "  %d firms: pass %.2f s wall (start to last exit), %.2f ms per firm; %lld "
      "appointments, %lld planned messages, %lld duplicates; %lld heartbeats, %lld "
      "duplicate; %lld planned versions, %lld duplicate; %s; load average %s\n",
      n, wall, 1000.0 * wall / n, static_cast<long long>(appointments),
      static_cast<long long>(messages), static_cast<long long>(duplicates),
      static_cast<long long>(heartbeats), static_cast<long long>(heartbeat_duplicates),
      static_cast<long long>(versions), static_cast<long long>(version_duplicates),
      ok ? "all instances succeeded" : "AN INSTANCE FAILED", LoadAverage().c_str());
  std::fflush(stdout);
  db.reset();
  pg.Psql("postgres", "DROP DATABASE " + name);
  return wall;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--worker") {
      o.worker = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "scale_bench: " << a << " needs a value\n";
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--firms")
      o.firms = ParseList(v);
    else if (a == "--appointments")
      o.appointments = std::atoi(v.c_str());
    else if (a == "--instances")
      o.instances = std::atoi(v.c_str());
    else if (a == "--instance")
      o.instance = std::atoi(v.c_str());
    else if (a == "--store")
      o.store = v;
    else if (a == "--dir")
      o.dir = v;
    else {
      std::cerr << "scale_bench: unknown option " << a << "\n";
      return 2;
    }
  }
  if (o.worker) return RunWorker(o);

  test::PostgresServer pg;
  pg.Start();
  o.dir = (std::filesystem::temp_directory_path() / ("scale_bench-" + std::to_string(getpid())))
              .string();
  int most = 0;
  for (int n : o.firms) most = std::max(most, n);
  const auto t0 = std::chrono::steady_clock::now();
  WriteBenchExports(BenchConfig(most, o.dir), most, o.appointments, o.dir);
  std::printf("exports of %d firms written in %.1f s\n", most,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::vector<std::pair<int, double>> curve;
  for (int n : o.firms) curve.emplace_back(n, RunScale(o, pg, n));
  std::printf("curve (firms: pass wall, per firm):");
  for (const auto& [n, wall] : curve)
    std::printf("  %d: %.1f s, %.2f ms", n, wall, 1000 * wall / n);
  std::printf("\n");
  for (const auto& [n, wall] : curve)
    if (n == 10000)
      std::printf("goal (10,000 firms under 60 s): %s\n", wall < 60 ? "met" : "MISSED");
  std::filesystem::remove_all(o.dir);
  return 0;
}
