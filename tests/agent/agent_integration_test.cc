// kehrbote-agent end to end on loopback: a SQLite office database made in the test,
// the real kehrbote-agent executable, a throwaway OpenSSH sshd as the drop.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent/app/agent_status.h"
#include "agent/app/export_file.h"
#include "shared/export/export_reader.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/agent/office_db.h"
#include "tests/support/child_process.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::RunCommand;

const std::string kAgent = std::string(KEHRBOTE_BINARY_DIR) + "/agent/kehrbote-agent";

std::string Today() {
  return FormatLocalDate(std::chrono::floor<std::chrono::days>(
      ToLocal(SystemClock().Now(), "Europe/Vienna")));
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Counts the appointments of an export, streaming, and checks the firm.
size_t ReadBack(const std::string& path, ExportHeader* header = nullptr) {
  std::ifstream in(path, std::ios::binary);
  ExportReader reader(in, path);
  return reader.Read([&](const ExportHeader& h) { if (header) *header = h; },
                     [](Appointment&&) {});
}

TEST(AgentSqliteTest, HundredThousandAppointmentsExport) {
  test::TempDir dir("kehrbote-agent-100k-");
  std::string db = dir.Sub("office.db");
  test::MakeOfficeDb(db, 100000, Today());
  AgentConfig config = ParseAgentConfig(
      test::BaseConfig(dir.path()) + test::OfficeDbSourceYaml(db), dir.Sub("agent.yaml"));
  SystemClock clock;
  ExportRun run = WriteExportFile(config, clock, dir.Sub("export.json"));
  EXPECT_EQ(run.report.rows_read, 100000);
  EXPECT_EQ(run.report.appointments, 100000);
  EXPECT_TRUE(run.report.skipped.empty());
  ExportHeader h;
  EXPECT_EQ(ReadBack(dir.Sub("export.json"), &h), 100000u);
  EXPECT_EQ(h.firm.id, "huber");
}

class AgentSftpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sshd_.Start();
    inbox_ = sshd_.data_root() + "/inbox";
    fs::create_directories(inbox_);
    db_ = dir_.Sub("office.db");
    test::MakeOfficeDb(db_, 500, Today());
  }

  std::string Upload(const std::string& pin) {
    return "upload:\n"
           "  host: 127.0.0.1\n"
           "  port: " + std::to_string(sshd_.port()) + "\n"
           "  user: " + sshd_.user() + "\n"
           "  key_file: " + sshd_.client_key_path() + "\n" + pin +
           "  remote_dir: " + sshd_.RemotePath("inbox") + "\n"
           "  connect_timeout: 3s\n"
           "  io_timeout: 10s\n"
           "  retry: {attempts: 2, initial_backoff: 1s, max_backoff: 1s}\n";
  }
  std::string WriteConfig(const std::string& pin) {
    std::string path = dir_.Sub("agent.yaml");
    test::WriteFile(path, test::BaseConfig(dir_.path(), Upload(pin)) +
                              test::OfficeDbSourceYaml(db_));
    return path;
  }
  std::string KnownHostsPin() { return "  known_hosts: " + sshd_.known_hosts_path() + "\n"; }

  std::vector<std::string> Exports() {
    std::vector<std::string> out;
    for (const auto& f : FilesIn(inbox_)) {
      if (f.ends_with(".json")) out.push_back(f);
    }
    return out;
  }

  test::SshdServer sshd_;
  test::TempDir dir_{"kehrbote-agent-sftp-"};
  std::string inbox_, db_;
};

TEST_F(AgentSftpTest, OnceUploadsAValidExport) {
  std::string config = WriteConfig(KnownHostsPin());
  test::CommandResult r = RunCommand({kAgent, "--config", config, "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> files = FilesIn(inbox_);
  ASSERT_EQ(files.size(), 1u) << r.output;  // no .part left behind
  EXPECT_TRUE(files[0].starts_with("export-huber-")) << files[0];
  EXPECT_TRUE(files[0].ends_with("-1.json")) << files[0];
  ExportHeader h;
  EXPECT_EQ(ReadBack(inbox_ + "/" + files[0], &h), 500u);
  EXPECT_EQ(h.firm.name, "Rauchfangkehrermeister Huber");
  EXPECT_EQ(FormatLocalDate(h.window_from), Today());
  // Sent exports leave the spool; the status file names the remote file.
  EXPECT_TRUE(FilesIn(dir_.Sub("spool")).empty());
  std::string warning;
  AgentStatus status = AgentStatus::Load(dir_.Sub("status.json"), &warning);
  ASSERT_TRUE(status.last_success.has_value()) << warning;
  EXPECT_EQ(status.last_success->remote_name, files[0]);
  EXPECT_EQ(status.last_success->appointments, 500);
  // No phone number in the output (the log).
  EXPECT_EQ(r.output.find("0664 / 1000001"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("500 appointments"), std::string::npos) << r.output;

  // A second run a second later (virtual time: --now) gets a new final name;
  // nothing is overwritten.
  const Instant second_later = status.last_success->time + std::chrono::seconds(1);
  r = RunCommand({kAgent, "--config", config, "--now", FormatRfc3339Utc(second_later), "once"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Exports().size(), 2u);
}

TEST_F(AgentSftpTest, CheckShowsTheFingerprintAndRefusesAWrongPin) {
  std::string config = WriteConfig("  fingerprint: \"" + sshd_.fingerprint() + "\"\n");
  test::CommandResult r = RunCommand({kAgent, "--config", config, "check"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(sshd_.fingerprint()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("matches the pinned fingerprint"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[ ok ] drop writable"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all checks passed"), std::string::npos) << r.output;
  EXPECT_TRUE(Exports().empty());  // check leaves nothing on the drop
  EXPECT_TRUE(FilesIn(inbox_).empty());

  sshd_.RotateHostKey();  // the pinned fingerprint is now the old key's
  r = RunCommand({kAgent, "--config", config, "check"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[FAIL] host key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(sshd_.fingerprint()), std::string::npos) << r.output;  // the new one
  r = RunCommand({kAgent, "--config", config, "once"});
  EXPECT_EQ(r.exit_code, 69) << r.output;
  EXPECT_TRUE(Exports().empty());
}

TEST_F(AgentSftpTest, ServerDownSpoolsThenSendsWhenBack) {
  std::string config = WriteConfig(KnownHostsPin());
  sshd_.Stop();
  test::CommandResult r = RunCommand({kAgent, "--config", config, "once"});
  EXPECT_EQ(r.exit_code, 75) << r.output;
  std::vector<std::string> spooled = FilesIn(dir_.Sub("spool"));
  ASSERT_EQ(spooled.size(), 1u);
  EXPECT_TRUE(Env::Default().IsPrivate(dir_.Sub("spool") + "/" + spooled[0]));
  std::string warning;
  AgentStatus status = AgentStatus::Load(dir_.Sub("status.json"), &warning);
  ASSERT_TRUE(status.last_error.has_value());
  EXPECT_FALSE(status.last_success.has_value());
  EXPECT_NE(status.last_error->message.find("stays spooled"), std::string::npos);

  // `run` starts, sees that the last scheduled export did not succeed, exports at
  // once and sends the newest; the older spooled one is dropped. SIGTERM stops it.
  sshd_.Start();
  test::ChildOptions options;
  options.argv = {kAgent, "--config", config, "run"};
  options.output_file = dir_.Sub("run.log");
  test::ChildProcess agent = test::ChildProcess::Spawn(options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // The agent is another process that tells only through the drop: bounded polling.
  while (Exports().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Exports().size(), 1u) << Env::Default().ReadFile(dir_.Sub("run.log"));
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!FilesIn(dir_.Sub("spool")).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(FilesIn(dir_.Sub("spool")).empty());
  agent.Kill(SIGTERM);
  EXPECT_EQ(agent.Wait(std::chrono::seconds(10)), 0)
      << Env::Default().ReadFile(dir_.Sub("run.log"));
  EXPECT_EQ(ReadBack(inbox_ + "/" + Exports()[0]), 500u);
  status = AgentStatus::Load(dir_.Sub("status.json"), &warning);
  ASSERT_TRUE(status.last_success.has_value());
  std::string log = Env::Default().ReadFile(dir_.Sub("run.log"));
  EXPECT_NE(log.find("exporting now"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(AgentCommandTest, ExportWritesAPrivateFileOnly) {
  test::TempDir dir;
  std::string db = dir.Sub("office.db");
  test::MakeOfficeDb(db, 300, Today());
  test::WriteFile(dir.Sub("agent.yaml"), test::BaseConfig(dir.path()) + test::OfficeDbSourceYaml(db));
  std::string out = dir.Sub("out/export.json");
  fs::create_directories(dir.Sub("out"));
  test::CommandResult r =
      RunCommand({kAgent, "--config", dir.Sub("agent.yaml"), "export", "--output", out});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Env::Default().IsPrivate(out));
  EXPECT_EQ(ReadBack(out), 300u);
  EXPECT_EQ(FilesIn(dir.Sub("out")), std::vector<std::string>{"export.json"});  // no .tmp
  EXPECT_FALSE(fs::exists(dir.Sub("spool")) && !FilesIn(dir.Sub("spool")).empty());
  r = RunCommand({kAgent, "--config", dir.Sub("agent.yaml"), "export"});
  EXPECT_EQ(r.exit_code, 64) << r.output;
}

TEST(AgentCommandTest, ConfigErrorAndUsage) {
  test::TempDir dir;
  test::WriteFile(dir.Sub("agent.yaml"), "firm:\n  id: Huber\n");
  test::CommandResult r = RunCommand({kAgent, "--config", dir.Sub("agent.yaml"), "once"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.output.find(dir.Sub("agent.yaml") + ":2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("firm.id"), std::string::npos) << r.output;
  r = RunCommand({kAgent, "--config", dir.Sub("agent.yaml"), "frobnicate"});
  EXPECT_EQ(r.exit_code, 64) << r.output;
  r = RunCommand({kAgent, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("export --output FILE"), std::string::npos) << r.output;
  // --now is virtual time for once, export and check; the service needs the real clock.
  r = RunCommand({kAgent, "--config", dir.Sub("agent.yaml"), "--now", "gestern", "once"});
  EXPECT_EQ(r.exit_code, 64) << r.output;
  EXPECT_NE(r.output.find("RFC 3339"), std::string::npos) << r.output;
  r = RunCommand(
      {kAgent, "--config", dir.Sub("agent.yaml"), "--now", "2026-11-23T06:00:00Z", "run"});
  EXPECT_EQ(r.exit_code, 64) << r.output;
}

}  // namespace
}  // namespace kehrbote
