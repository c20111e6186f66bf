// kehrbote-agent.exe, cross-built for Windows, run under Wine against a real OpenSSH
// sshd on 127.0.0.1, as a firm's office server runs it: Ed25519 key login, pinned host
// key, atomic upload, spool and resend, a Windows-1252 CSV, SQLite and ODBC sources, a
// config under C:\ProgramData. The sshd, the office database and the checks are on the
// Linux side; only the agent is the Windows program.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent/app/agent_status.h"
#include "shared/export/export_reader.h"
#include "shared/time/clock.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/agent/office_db.h"
#include "tests/support/child_process.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"
#include "tests/windows/windows_test_env.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::WinePrefix;

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

ExportDocument ReadBack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return ReadExportDocument(in, path);
}

class WindowsAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sshd_.Start();
    inbox_ = sshd_.data_root() + "/inbox";
    fs::create_directories(inbox_);
    // The agent's own folder on C:, as the installer makes it; one per test, so that
    // tests can share the prefix.
    win_dir_ = "C:\\ProgramData\\Kehrbote-test-" + fs::path(dir_.path()).filename().string();
    fs::create_directories(wine().HostPath(win_dir_));
  }
  void TearDown() override { fs::remove_all(wine().HostPath(win_dir_)); }

  WinePrefix& wine() { return test::SharedWinePrefix(); }
  static std::string Win(const std::string& unix_path) { return WinePrefix::WindowsPath(unix_path); }

  std::string Upload(const std::string& pin) {
    return "upload:\n"
           "  host: 127.0.0.1\n"
           "  port: " + std::to_string(sshd_.port()) + "\n"
           "  user: " + sshd_.user() + "\n"
           "  key_file: " + Win(sshd_.client_key_path()) + "\n" + pin +
           "  remote_dir: " + sshd_.RemotePath("inbox") + "\n"
           "  connect_timeout: 3s\n"
           "  io_timeout: 10s\n"
           "  retry: {attempts: 2, initial_backoff: 1s, max_backoff: 1s}\n";
  }
  std::string KnownHostsPin() { return "  known_hosts: " + Win(sshd_.known_hosts_path()) + "\n"; }

  // Writes <win_dir_>\agent.yaml with `source`; spool and status in <win_dir_>.
  std::string WriteConfig(const std::string& pin, const std::string& source) {
    std::string yaml = test::BaseConfig(win_dir_, Upload(pin)) + source;
    test::WriteFile(wine().HostPath(win_dir_ + "\\agent.yaml"), yaml);
    return win_dir_ + "\\agent.yaml";
  }
  std::string OfficeDb(int n) {
    std::string db = dir_.Sub("office.db");
    test::MakeOfficeDb(db, n, test::TodayInVienna());
    return db;
  }
  std::string SqliteSource(const std::string& db) {
    std::string yaml = test::OfficeDbSourceYaml(db);
    size_t at = yaml.find(db);
    return yaml.replace(at, db.size(), Win(db));
  }

  test::CommandResult Agent(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {test::WindowsAgentExe()};
    argv.insert(argv.end(), args.begin(), args.end());
    return wine().Run(argv, std::chrono::seconds(120));
  }

  std::vector<std::string> Exports() {
    std::vector<std::string> out;
    for (const auto& f : FilesIn(inbox_)) {
      if (f.ends_with(".json")) out.push_back(f);
    }
    return out;
  }
  std::string Host(const std::string& name) { return wine().HostPath(win_dir_ + "\\" + name); }

  test::SshdServer sshd_;
  test::TempDir dir_{"kehrbote-win-agent-"};
  std::string inbox_, win_dir_;
};

TEST_F(WindowsAgentTest, OnceUploadsWithAnEd25519KeyToAPinnedHost) {
  std::string config = WriteConfig(KnownHostsPin(), SqliteSource(OfficeDb(300)));
  test::CommandResult r = Agent({"/config=" + config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> files = FilesIn(inbox_);
  ASSERT_EQ(files.size(), 1u) << r.output;  // atomic: no .part left behind
  EXPECT_TRUE(files[0].starts_with("export-huber-")) << files[0];
  ExportDocument d = ReadBack(inbox_ + "/" + files[0]);
  EXPECT_EQ(d.appointments.size(), 300u);
  EXPECT_EQ(d.header.firm.name, "Rauchfangkehrermeister Huber");
  EXPECT_EQ(FormatLocalDate(d.header.window_from), test::TodayInVienna());
  EXPECT_TRUE(FilesIn(Host("spool")).empty());
  std::string warning;
  AgentStatus status = AgentStatus::Load(Host("status.json"), &warning);
  ASSERT_TRUE(status.last_success.has_value()) << warning;
  EXPECT_EQ(status.last_success->remote_name, files[0]);
  EXPECT_EQ(r.output.find("0664 / 1000001"), std::string::npos) << r.output;  // masked
}

TEST_F(WindowsAgentTest, ChangedHostKeyIsRefusedNamingBothFingerprints) {
  std::string config = WriteConfig("  fingerprint: \"" + sshd_.fingerprint() + "\"\n",
                                   SqliteSource(OfficeDb(10)));
  test::CommandResult r = Agent({"/config=" + config, "check"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("all checks passed"), std::string::npos) << r.output;
  const std::string pinned = sshd_.fingerprint();
  sshd_.RotateHostKey();
  r = Agent({"/config=" + config, "check"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(pinned), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(sshd_.current_fingerprint()), std::string::npos) << r.output;
  r = Agent({"/config=" + config, "once"});
  EXPECT_EQ(r.exit_code, 69) << r.output;
  EXPECT_TRUE(Exports().empty());
}

TEST_F(WindowsAgentTest, ServerDownSpoolsThenSendsExactlyOnce) {
  std::string config = WriteConfig(KnownHostsPin(), SqliteSource(OfficeDb(50)));
  sshd_.Stop();
  test::CommandResult r = Agent({"/config=" + config, "once"});
  EXPECT_EQ(r.exit_code, 75) << r.output;
  ASSERT_EQ(FilesIn(Host("spool")).size(), 1u) << r.output;
  sshd_.Start();
  r = Agent({"/config=" + config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Exports().size(), 1u) << r.output;
  EXPECT_TRUE(FilesIn(Host("spool")).empty());
  // Nothing left to send: another run uploads its own new export only.
  r = Agent({"/config=" + config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Exports().size(), 2u);
}

TEST_F(WindowsAgentTest, Windows1252CsvKeepsItsUmlauts) {
  const std::string day = test::TodayInVienna();
  const std::string date = day.substr(8, 2) + "." + day.substr(5, 2) + "." + day.substr(0, 4);
  test::WriteFile(Host("termine.csv"),
                  "Nr;Art;Datum;Zeit;Strasse;Ort;Name;Tel1;Tel1OK\r\n"
                  "T1;K;" + date + ";08:00-12:00;Gro\xDF" "e Stra\xDF" "e 5;Steyr;M\xFCller;0664 1234567;1\r\n");
  std::string source =
      "source:\n"
      "  type: csv\n"
      "  path: " + win_dir_ + "\\termine.csv\n"
      "  delimiter: \";\"\n"
      "  encoding: windows-1252\n"
      "  columns:\n"
      "    id: Nr\n"
      "    kind: Art\n"
      "    kind_values: {HK: main_sweep, K: sweep}\n"
      "    date: Datum\n"
      "    window: Zeit\n"
      "    street: Strasse\n"
      "    city: Ort\n"
      "    last_name: Name\n"
      "    phones:\n"
      "      - {number: Tel1, consent: Tel1OK}\n"
      "  formats: {date: [\"%d.%m.%Y\"]}\n";
  std::string config = WriteConfig(KnownHostsPin(), source);
  test::CommandResult r = Agent({"/config=" + config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Exports().size(), 1u);
  ExportDocument d = ReadBack(inbox_ + "/" + Exports()[0]);
  ASSERT_EQ(d.appointments.size(), 1u) << r.output;
  EXPECT_EQ(d.appointments[0].customer.last_name, "Müller");
  EXPECT_EQ(d.appointments[0].object.street, "Große Straße 5");
}

// Wine's odbc32 hands ODBC calls to the host's unixODBC, so the agent reaches the
// SQLite ODBC driver of Debian's libsqliteodbc the way it reaches Access or SQL Server
// drivers on Windows. The Database= value is read by the Linux driver: a Linux path.
TEST_F(WindowsAgentTest, OdbcSourceThroughWinesOdbc32) {
  std::string db = OfficeDb(40);
  std::string source = test::OfficeDbSourceYaml(db);
  size_t type = source.find("type: sqlite");
  ASSERT_NE(type, std::string::npos) << source;
  source.replace(type, 12, "type: odbc");
  size_t conn = source.find("connection: " + db);
  ASSERT_NE(conn, std::string::npos) << source;
  source.replace(conn, 12 + db.size(), "connection: \"Driver=SQLite3;Database=" + db + "\"");
  std::string config = WriteConfig(KnownHostsPin(), source);
  test::CommandResult r = Agent({"/config=" + config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Exports().size(), 1u);
  EXPECT_EQ(ReadBack(inbox_ + "/" + Exports()[0]).appointments.size(), 40u);
}

TEST_F(WindowsAgentTest, ConfigErrorNamesTheWindowsFileAndLine) {
  test::WriteFile(Host("agent.yaml"), "firm:\n  id: Huber\n");
  test::CommandResult r = Agent({"/config=" + win_dir_ + "\\agent.yaml", "once"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(win_dir_ + "\\agent.yaml:2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("firm.id"), std::string::npos) << r.output;
  // The help speaks Windows: /config=FILE, as Poco parses options there.
  r = Agent({"/help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("/config=FILE (run | once | export /output=FILE | check)"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kehrbote

namespace kehrbote {
namespace {

// The .exe is static: it needs no MinGW DLL (libstdc++, libgcc, winpthread), only
// what every Windows has, so a firm's server runs it as copied.
TEST(WindowsAgentExe, ImportsOnlyDllsWindowsShips) {
  test::CommandResult r =
      test::RunCommand({"x86_64-w64-mingw32-objdump", "-p", test::WindowsAgentExe()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> windows_own = {
      "ADVAPI32.dll", "IPHLPAPI.DLL", "KERNEL32.dll", "ODBC32.dll", "SHELL32.dll", "USER32.dll",
      "WS2_32.dll",   "bcrypt.dll",   "msvcrt.dll",   "ole32.dll",  "CRYPT32.dll"};
  size_t dlls = 0;
  for (size_t at = r.output.find("DLL Name: "); at != std::string::npos;
       at = r.output.find("DLL Name: ", at + 1)) {
    size_t end = r.output.find('\n', at);
    std::string dll = r.output.substr(at + 10, end - at - 10);
    EXPECT_NE(std::find(windows_own.begin(), windows_own.end(), dll), windows_own.end()) << dll;
    ++dlls;
  }
  EXPECT_GT(dlls, 0u) << r.output;
}

}  // namespace
}  // namespace kehrbote
