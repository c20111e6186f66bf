// kehrbote-agent.exe as a Windows service under Wine's service manager, the way the
// installer sets it up: registered with /registerService from C:\Program Files\Kehrbote,
// started with `net start`, it finds its config at C:\ProgramData\Kehrbote\agent.yaml
// (a service gets no arguments), exports at start because the last scheduled time
// passed without a success, uploads to a real sshd, writes its status and log, and
// stops cleanly on `net stop`; /unregisterService removes it.
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "agent/app/agent_status.h"
#include "shared/env/env.h"
#include "tests/agent/agent_test_util.h"
#include "tests/agent/office_db.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"
#include "tests/windows/windows_test_env.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::WinePrefix;

const std::string kProgramDir = "C:\\Program Files\\Kehrbote";
const std::string kDataDir = "C:\\ProgramData\\Kehrbote";

// Polls `done` every 100 ms until it holds or `timeout` passes (Wine's service manager
// gives no event a Linux test could wait on).
template <typename F>
bool WaitUntil(F done, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

size_t JsonFilesIn(const std::string& dir) {
  size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".json";
  return n;
}

class WindowsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RemoveService();  // what an earlier, killed run may have left
    sshd_.Start();
    inbox_ = sshd_.data_root() + "/inbox";
    fs::create_directories(inbox_);
    fs::remove_all(wine().HostPath(kDataDir));
    fs::create_directories(wine().HostPath(kDataDir));
    // The program as the installer lays it out.
    fs::path program = wine().HostPath(kProgramDir);
    fs::remove_all(program);
    fs::create_directories(program);
    fs::path exe = test::WindowsAgentExe();
    fs::copy_file(exe, program / exe.filename());
    fs::copy(exe.parent_path() / "tzdata", program / "tzdata", fs::copy_options::recursive);
  }
  void TearDown() override {
    RemoveService();
    fs::remove_all(wine().HostPath(kProgramDir));
    fs::remove_all(wine().HostPath(kDataDir));
  }

  // The service stopped and gone, whatever state it is in.
  void RemoveService() {
    wine().Run({"net", "stop", "kehrbote-agent"}, std::chrono::seconds(60));
    wine().Run({"sc", "delete", "kehrbote-agent"}, std::chrono::seconds(60));
  }
  WinePrefix& wine() { return test::SharedWinePrefix(); }
  std::string Exe() { return kProgramDir + "\\kehrbote-agent.exe"; }

  void WriteConfig() {
    std::string db = dir_.Sub("office.db");
    test::MakeOfficeDb(db, 25, test::TodayInVienna());
    std::string source = test::OfficeDbSourceYaml(db);
    source.replace(source.find(db), db.size(), WinePrefix::WindowsPath(db));
    std::string upload =
        "upload:\n"
        "  host: 127.0.0.1\n"
        "  port: " + std::to_string(sshd_.port()) + "\n"
        "  user: " + sshd_.user() + "\n"
        "  key_file: " + WinePrefix::WindowsPath(sshd_.client_key_path()) + "\n"
        "  known_hosts: " + WinePrefix::WindowsPath(sshd_.known_hosts_path()) + "\n"
        "  remote_dir: " + sshd_.RemotePath("inbox") + "\n"
        "  connect_timeout: 3s\n"
        "  retry: {attempts: 2, initial_backoff: 1s, max_backoff: 1s}\n";
    test::WriteFile(wine().HostPath(kDataDir + "\\agent.yaml"),
                    test::BaseConfig(kDataDir, upload) + source +
                        "log: {file: " + kDataDir + "\\agent.log}\n");
  }
  // The agent's log and, if it could not start, its start error file.
  std::string Log() {
    std::string out;
    for (const char* name : {"agent.log", "agent-start-error.txt"}) {
      std::string path = wine().HostPath(kDataDir + "\\" + name);
      if (fs::exists(path)) out += std::string(name) + ":\n" + Env::Default().ReadFile(path);
    }
    return out.empty() ? "(no log)" : out;
  }

  test::SshdServer sshd_;
  test::TempDir dir_{"kehrbote-win-service-"};
  std::string inbox_;
};

TEST_F(WindowsServiceTest, RegisteredServiceUploadsWritesItsStatusAndStopsCleanly) {
  WriteConfig();
  test::CommandResult r = wine().Run(
      {Exe(), "/registerService", "/startup=automatic", "/displayName=Kehrbote Agent"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Wine's sc has no `qc`: the service's registry key says the same.
  r = wine().Run({"reg", "query", "HKLM\\System\\CurrentControlSet\\Services\\kehrbote-agent"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0x2"), std::string::npos) << r.output;  // Start: automatic
  EXPECT_NE(r.output.find("kehrbote-agent.exe"), std::string::npos) << r.output;

  r = wine().Run({"net", "start", "kehrbote-agent"});
  ASSERT_EQ(r.exit_code, 0) << r.output << Log();
  ASSERT_TRUE(WaitUntil([&] { return JsonFilesIn(inbox_) == 1; }, std::chrono::seconds(90)))
      << Log();
  std::string status_file = wine().HostPath(kDataDir + "\\status.json");
  std::string warning;
  ASSERT_TRUE(WaitUntil([&] {
    return AgentStatus::Load(status_file, &warning).last_success.has_value();
  }, std::chrono::seconds(30))) << warning << Log();
  EXPECT_EQ(AgentStatus::Load(status_file, &warning).last_success->appointments, 25);

  r = wine().Run({"net", "stop", "kehrbote-agent"});
  EXPECT_EQ(r.exit_code, 0) << r.output << Log();
  // Wine's net may return while the service still reports STOP_PENDING;
  // the service manager says STOPPED once the process has ended.
  EXPECT_TRUE(WaitUntil([&] {
    r = wine().Run({"sc", "query", "kehrbote-agent"});
    return r.output.find("STOPPED") != std::string::npos;
  }, std::chrono::seconds(30))) << r.output;
  EXPECT_NE(Log().find("stopped"), std::string::npos) << Log();
  EXPECT_EQ(JsonFilesIn(inbox_), 1u);  // nothing sent twice

  r = wine().Run({Exe(), "/unregisterService"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = wine().Run({"sc", "query", "kehrbote-agent"});
  EXPECT_NE(r.exit_code, 0) << r.output;  // 1060: the service does not exist
}

}  // namespace
}  // namespace kehrbote
