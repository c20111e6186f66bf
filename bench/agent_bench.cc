// agent_bench: 100,000 appointments from SQLite to an uploaded export on loopback.
//
// Side by side in one run, against the same throwaway sshd and database:
//   A  `kehrbote-agent --config FILE once` (SQL read, export written, SFTP upload)
//   B  `sqlite3 -json DB QUERY > file` plus OpenSSH `sftp` put of the agent's export
// Goals: A under 3 s and under 100 MB peak RSS, and A at most 1.5 x B.
// Each is run 3 times; the medians are compared. Exit status 1 if a goal is missed.
//
//   agent_bench [--rows N] [--agent PATH]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "shared/time/clock.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/agent/office_db.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace kehrbote;

namespace {

struct Measured {
  double seconds = 0;
  long max_rss_kib = 0;
  int status = -1;
};

// Runs argv (stdout to `out_file` if given, stderr to /dev/null), measures wall
// time and the child's peak RSS.
Measured Run(const std::vector<std::string>& argv, const std::string& out_file = "/dev/null",
             const std::string& err_file = "/dev/null") {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(out_file.c_str(), "w");
    if (out) dup2(fileno(out), 1);
    FILE* err = std::fopen(err_file.c_str(), "w");
    if (err) dup2(fileno(err), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.max_rss_kib = ru.ru_maxrss;
  m.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 100000;
  std::string agent = std::string(KEHRBOTE_BINARY_DIR) + "/agent/kehrbote-agent";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--agent") == 0) agent = argv[i + 1];
  }
  test::TempDir dir("kehrbote-agent-bench-");
  std::string today = FormatLocalDate(
      std::chrono::floor<std::chrono::days>(ToLocal(SystemClock().Now(), "Europe/Vienna")));
  std::string last = FormatLocalDate(*ParseLocalDate(today) + std::chrono::days(14));
  std::string db = dir.Sub("office.db");
  std::cout << "generating " << rows << " appointments in " << db << " ..." << std::endl;
  test::MakeOfficeDb(db, rows, today);

  test::SshdServer sshd;
  sshd.Start();
  std::string inbox = sshd.data_root() + "/inbox";
  fs::create_directories(inbox);
  std::string config = dir.Sub("agent.yaml");
  test::WriteFile(config,
                  test::BaseConfig(dir.path(),
                                   "upload:\n"
                                   "  host: 127.0.0.1\n"
                                   "  port: " + std::to_string(sshd.port()) + "\n"
                                   "  user: " + sshd.user() + "\n"
                                   "  key_file: " + sshd.client_key_path() + "\n"
                                   "  known_hosts: " + sshd.known_hosts_path() + "\n"
                                   "  remote_dir: " + sshd.RemotePath("inbox") + "\n") +
                      test::OfficeDbSourceYaml(db));

  // The agent's query with the window's days written in, for sqlite3.
  std::string query =
      "SELECT t.termin_id, t.art, t.datum, t.uhrzeit, t.zeit_von, t.zeit_bis, t.storniert,"
      " o.nummer, o.strasse, o.plz, o.ort, o.anrede, o.titel, o.vorname, o.nachname, o.firma,"
      " o.telnr1, o.telnr1_ok, o.telnr2, o.telnr2_ok, o.email, o.email_ok, o.nur_hk"
      " FROM termine t JOIN objekte o ON o.nummer = t.objekt_nr"
      " WHERE t.datum BETWEEN '" + today + "' AND '" + last + "'";
  std::string batch = dir.Sub("sftp.batch");
  std::string remote_copy = sshd.RemotePath("inbox") + "/openssh-put.json";

  std::vector<double> agent_s, sqlite_s, sftp_s, base_s;
  long agent_rss = 0;
  uint64_t bytes = 0;
  for (int round = 1; round <= 3; ++round) {
    for (const auto& e : fs::directory_iterator(inbox)) fs::remove(e.path());
    Measured a = Run({agent, "--config", config, "once"}, "/dev/null", dir.Sub("agent.log"));
    if (a.status != 0) {
      std::cerr << "kehrbote-agent once failed with status " << a.status << "\n";
      return 2;
    }
    std::string uploaded;
    for (const auto& e : fs::directory_iterator(inbox)) uploaded = e.path().string();
    bytes = fs::file_size(uploaded);
    fs::copy_file(uploaded, dir.Sub("export-copy.json"), fs::copy_options::overwrite_existing);

    Measured q = Run({"sqlite3", "-json", db, query}, dir.Sub("sqlite.json"));
    test::WriteFile(batch, "put " + dir.Sub("export-copy.json") + " " + remote_copy + "\n");
    Measured p = Run({"sftp", "-q", "-b", batch, "-P", std::to_string(sshd.port()), "-i",
                      sshd.client_key_path(), "-o", "UserKnownHostsFile=" + sshd.known_hosts_path(),
                      "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                      sshd.user() + "@127.0.0.1"});
    if (q.status != 0 || p.status != 0) {
      std::cerr << "baseline failed: sqlite3 " << q.status << ", sftp " << p.status << "\n";
      return 2;
    }
    // The agent's own split: "spooled ... in X s" and "upload step took Y s".
    std::ifstream log(dir.Sub("agent.log"));
    for (std::string line; std::getline(log, line);) {
      if (line.find(" in ") != std::string::npos && line.find("spooled") != std::string::npos) {
        std::printf("  agent: export written%s\n", line.substr(line.rfind(" in ")).c_str());
      }
      if (line.find("upload step took") != std::string::npos) {
        std::printf("  agent: %s\n", line.substr(line.find("upload step")).c_str());
      }
    }
    agent_s.push_back(a.seconds);
    sqlite_s.push_back(q.seconds);
    sftp_s.push_back(p.seconds);
    base_s.push_back(q.seconds + p.seconds);
    agent_rss = std::max(agent_rss, a.max_rss_kib);
    std::printf("round %d: agent once %.3f s (peak RSS %.1f MB) | sqlite3 -json %.3f s + sftp put "
                "%.3f s = %.3f s\n",
                round, a.seconds, a.max_rss_kib / 1024.0, q.seconds, p.seconds,
                q.seconds + p.seconds);
  }
  double a = Median(agent_s), b = Median(base_s);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    std::printf("\nload average during the run: %.2f %.2f %.2f (on %ld CPUs)\n", load[0], load[1],
                load[2], sysconf(_SC_NPROCESSORS_ONLN));
  }
  std::printf("\n%d appointments, export %.1f MB\n", rows, bytes / 1e6);
  std::printf("agent once (median):           %.3f s   goal < 3 s      %s\n", a,
              a < 3 ? "ok" : "MISSED");
  std::printf("agent peak RSS (max):          %.1f MB   goal < 100 MB   %s\n", agent_rss / 1024.0,
              agent_rss < 100 * 1024 ? "ok" : "MISSED");
  std::printf("sqlite3 -json + sftp (median): %.3f s (%.3f + %.3f)\n", b, Median(sqlite_s),
              Median(sftp_s));
  std::printf("ratio agent / baseline:        %.2f     goal <= 1.5     %s\n", a / b,
              a <= 1.5 * b ? "ok" : "MISSED");
  bool ok = a < 3 && agent_rss < 100 * 1024 && a <= 1.5 * b;
  return ok ? 0 : 1;
}
