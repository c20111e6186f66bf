// The Windows installer (installer/windows/kehrbote-agent.nsi) under Wine: each case
// boots its own WINEPREFIX in a temporary directory, runs KehrboteAgent-<ver>-setup.exe
// silently and looks at the result from both sides (drive_c on the Linux side; the
// service and the Add/Remove Programs entry through Wine's reg.exe and sc.exe).
//
// Environment:
//   KEHRBOTE_WINDOWS_SETUP_EXE  the setup .exe to test; default: the compile definition
//                               of the same name (may be absent or ""). The Wine cases
//                               skip when neither names one.
//   KEHRBOTE_WINE64             default /usr/lib/wine/wine64
//   KEHRBOTE_WINESERVER         default /usr/lib/wine/wineserver
//
// What Wine cannot show: `sc qc` (Wine's sc.exe lacks it; the service's registry key is
// read instead) and the protected DACL of C:\ProgramData\Kehrbote (Wine keeps no ACLs:
// it maps them to Unix mode bits and reports a synthesized DACL). The installer aborts
// with exit code 2 when setting the DACL fails, so a clean exit covers the call.
//
// Wine's output goes to files, never to a pipe: wineserver would inherit the pipe and
// the reader would wait for it forever. Every wait is bounded.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent/config/agent_config.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kUninstallKey[] =
    R"(HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\KehrboteAgent)";
constexpr char kServiceKey[] = R"(HKLM\SYSTEM\CurrentControlSet\Services\kehrbote-agent)";

#ifdef KEHRBOTE_WINDOWS_SETUP_EXE
constexpr char kDefaultSetupExe[] = KEHRBOTE_WINDOWS_SETUP_EXE;
#else
constexpr char kDefaultSetupExe[] = "";
#endif

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void AppendFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

// Polls `done` every 200 ms until it holds or `timeout` passed; true if it held.
template <typename Predicate>
bool PollUntil(Predicate done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);  // poll interval, bounded by the deadline
  }
  return true;
}

struct WineResult {
  int exit_code = -1;
  std::string output;
};

// A fresh WINEPREFIX with a persistent wineserver; the destructor stops that
// server (wineserver -k) and everything it runs, then the prefix is removed.
class WinePrefix {
 public:
  WinePrefix(std::string wine64, std::string wineserver)
      : wine64_(std::move(wine64)), wineserver_(std::move(wineserver)),
        prefix_(dir_.Sub("prefix")) {
    Server({"-p"}, 60s);
    WineResult boot = Run({"wineboot", "-i"}, 300s);
    if (boot.exit_code != 0) {
      throw std::runtime_error("wineboot -i exited with " + std::to_string(boot.exit_code) +
                               ": " + boot.output);
    }
    // A new session, as after a reboot: in the session of wineboot -i, Wine's service
    // manager keeps its database locked (StartService: 1055) and does not find services
    // created there (OpenService: 1060), although sc query lists them.
    Server({"-k"}, 60s);
    Server({"-p"}, 60s);
  }
  ~WinePrefix() {
    try {
      Server({"-k"}, 60s);
    } catch (...) {
    }
  }

  // wine64 argv... with the output captured through a file.
  WineResult Run(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{wine64_};
    argv.insert(argv.end(), args.begin(), args.end());
    return Spawn(argv, timeout);
  }

  // The Linux path of a path below C:\.
  fs::path DriveC(const std::string& relative) const {
    return fs::path(prefix_) / "drive_c" / relative;
  }

  // reg query KEY [/v VALUE]: the output, nullopt if the key (or value) is missing.
  std::optional<std::string> RegQuery(const std::string& key, const std::string& value = "") {
    std::vector<std::string> args{"reg", "query", key};
    if (!value.empty()) {
      args.push_back("/v");
      args.push_back(value);
    }
    WineResult r = Run(args, 60s);
    if (r.exit_code != 0) return std::nullopt;
    return r.output;
  }

 private:
  void Server(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{wineserver_};
    argv.insert(argv.end(), args.begin(), args.end());
    Spawn(argv, timeout);
  }

  WineResult Spawn(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    std::string out = dir_.Sub("out-" + std::to_string(++runs_) + ".txt");
    test::ChildOptions o;
    o.argv = argv;
    // No Mono/Gecko prompts, no menu entries in the real $HOME, no X display.
    o.env = {"WINEPREFIX=" + prefix_, "WINEDEBUG=-all",
             "WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d", "WINEARCH=win64",
             "DISPLAY="};
    o.output_file = out;
    test::ChildProcess child = test::ChildProcess::Spawn(o);
    std::optional<int> rc = child.Wait(timeout);
    if (!rc) {
      child.Stop(5s);
      throw std::runtime_error(argv[0] + " " + (argv.size() > 1 ? argv[1] : "") +
                               " did not finish within " +
                               std::to_string(timeout.count()) + " ms");
    }
    return {*rc, ReadFile(out)};
  }

  std::string wine64_;
  std::string wineserver_;
  test::TempDir dir_{"kehrbote-wine-"};
  std::string prefix_;
  int runs_ = 0;
};

class WindowsInstallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_exe_ = EnvOr("KEHRBOTE_WINDOWS_SETUP_EXE", kDefaultSetupExe);
    if (setup_exe_.empty()) {
      GTEST_SKIP() << "KEHRBOTE_WINDOWS_SETUP_EXE is not set (the setup .exe of the Windows "
                      "cross build, scripts/build-windows)";
    }
    ASSERT_TRUE(fs::exists(setup_exe_)) << "KEHRBOTE_WINDOWS_SETUP_EXE: no file " << setup_exe_;
    std::string wine64 = EnvOr("KEHRBOTE_WINE64", "/usr/lib/wine/wine64");
    std::string wineserver = EnvOr("KEHRBOTE_WINESERVER", "/usr/lib/wine/wineserver");
    if (!fs::exists(wine64) || !fs::exists(wineserver)) {
      GTEST_SKIP() << "Wine not found at " << wine64 << " / " << wineserver
                   << " (apt-get install wine64, or set KEHRBOTE_WINE64/KEHRBOTE_WINESERVER)";
    }
    wine_ = std::make_unique<WinePrefix>(wine64, wineserver);
  }

  fs::path ProgramDir() const { return wine_->DriveC("Program Files/Kehrbote"); }
  fs::path DataDir() const { return wine_->DriveC("ProgramData/Kehrbote"); }

  // setup.exe /S [extra...]; NSIS returns when the installation is done.
  int Install(const std::vector<std::string>& extra = {}) {
    fs::path copy = wine_->DriveC("setup.exe");
    fs::copy_file(setup_exe_, copy, fs::copy_options::overwrite_existing);
    std::vector<std::string> args{"C:\\setup.exe", "/S"};
    args.insert(args.end(), extra.begin(), extra.end());
    return wine_->Run(args, 300s).exit_code;
  }

  // uninstall.exe /S [extra...]: it copies itself to %TEMP% and returns at once (so
  // that it can delete itself), so wait until the program folder is gone and, with
  // /PURGE, the data folder too.
  void Uninstall(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"C:\\Program Files\\Kehrbote\\uninstall.exe", "/S"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_EQ(wine_->Run(args, 120s).exit_code, 0);
    bool purge = !extra.empty();
    ASSERT_TRUE(PollUntil([&] { return !fs::exists(ProgramDir()) &&
                                       !(purge && fs::exists(DataDir())); },
                          120s))
        << "the uninstaller did not remove " << ProgramDir() << " within 120 s";
  }

  // C:\prepared.yaml: the example config plus a marker line.
  fs::path PreparedConfig() {
    fs::path prepared = wine_->DriveC("prepared.yaml");
    fs::copy_file(std::string(KEHRBOTE_SOURCE_DIR) + "/installer/windows/agent.example.yaml",
                  prepared);
    AppendFile(prepared, "# prepared for rfk-test\n");
    return prepared;
  }

  // Polls sc query until the service reports RUNNING (net start returns only then;
  // the poll covers a start still pending).
  ::testing::AssertionResult ServiceRuns() {
    std::string state;
    if (PollUntil([&] {
          state = wine_->Run({"sc", "query", "kehrbote-agent"}, 60s).output;
          return state.find("RUNNING") != std::string::npos;
        }, 60s)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "the service did not run within 60 s:\n" << state;
  }

  std::string setup_exe_;
  std::unique_ptr<WinePrefix> wine_;
};

TEST_F(WindowsInstallerTest, SilentInstallThenReinstallKeepsConfigThenUninstallKeepsData) {
  ASSERT_EQ(Install(), 0);

  // Files where they belong.
  EXPECT_TRUE(fs::is_regular_file(ProgramDir() / "kehrbote-agent.exe"));
  EXPECT_TRUE(fs::is_regular_file(ProgramDir() / "uninstall.exe"));
  EXPECT_TRUE(fs::is_regular_file(ProgramDir() / "agent.example.yaml"));
  EXPECT_TRUE(fs::is_directory(ProgramDir() / "tzdata"));
  EXPECT_FALSE(fs::is_empty(ProgramDir() / "tzdata"));
  EXPECT_TRUE(fs::is_directory(DataDir() / "log"));
  ASSERT_TRUE(fs::is_regular_file(DataDir() / "agent.yaml"));
  EXPECT_EQ(ReadFile(DataDir() / "agent.yaml"), ReadFile(ProgramDir() / "agent.example.yaml"));

  // The service: automatic start (2), the quoted path below Program Files.
  std::optional<std::string> service = wine_->RegQuery(kServiceKey);
  ASSERT_TRUE(service) << "service kehrbote-agent not registered";
  EXPECT_NE(service->find("Kehrbote Agent"), std::string::npos) << *service;
  EXPECT_NE(service->find(R"("C:\Program Files\Kehrbote\kehrbote-agent.exe")"),
            std::string::npos) << *service;
  EXPECT_NE(service->find("Start    REG_DWORD    0x2"), std::string::npos) << *service;
  WineResult query = wine_->Run({"sc", "query", "kehrbote-agent"}, 60s);
  EXPECT_EQ(query.exit_code, 0) << query.output;
  // Not started with the unedited example config.
  EXPECT_NE(query.output.find("STOPPED"), std::string::npos) << query.output;

  // Add/Remove Programs.
  std::optional<std::string> arp = wine_->RegQuery(kUninstallKey);
  ASSERT_TRUE(arp) << "no Add/Remove Programs entry";
  EXPECT_NE(arp->find(R"("C:\Program Files\Kehrbote\uninstall.exe" /S)"), std::string::npos)
      << *arp;
  EXPECT_NE(arp->find("DisplayVersion"), std::string::npos) << *arp;

  // A reinstall (an update) keeps the edited config (and starts the service: see
  // ServiceRunsWithAPreparedConfigAndTheUninstallerStopsIt).
  AppendFile(DataDir() / "agent.yaml", "# edited by the technician\n");
  std::string edited = ReadFile(DataDir() / "agent.yaml");
  ASSERT_EQ(Install(), 0);
  EXPECT_EQ(ReadFile(DataDir() / "agent.yaml"), edited);
  EXPECT_TRUE(wine_->RegQuery(kServiceKey));

  // The uninstall removes the service, the program and the entry; the data stays.
  AppendFile(DataDir() / "log" / "agent.log", "a log line\n");
  Uninstall();
  EXPECT_FALSE(wine_->RegQuery(kServiceKey)) << "service still registered";
  EXPECT_NE(wine_->Run({"sc", "query", "kehrbote-agent"}, 60s).exit_code, 0);
  EXPECT_FALSE(wine_->RegQuery(kUninstallKey)) << "Add/Remove Programs entry left";
  EXPECT_EQ(ReadFile(DataDir() / "agent.yaml"), edited);
  EXPECT_TRUE(fs::exists(DataDir() / "log" / "agent.log"));
}

TEST_F(WindowsInstallerTest, PreparedConfigIsInstalledAndPurgeRemovesTheData) {
  // A config prepared by the partner's technician (/CONFIG=FILE): installed instead of
  // the example.
  fs::path prepared = PreparedConfig();
  ASSERT_EQ(Install({"/CONFIG=C:\\prepared.yaml"}), 0);
  EXPECT_EQ(ReadFile(DataDir() / "agent.yaml"), ReadFile(prepared));
  EXPECT_TRUE(wine_->RegQuery(kServiceKey));

  Uninstall({"/PURGE"});
  EXPECT_FALSE(fs::exists(DataDir()));
  EXPECT_FALSE(wine_->RegQuery(kServiceKey)) << "service still registered";
}

// With a config in place the installer starts the service (the agent finds
// C:\ProgramData\Kehrbote\agent.yaml and waits for its schedule); the uninstaller
// stops the running service before it removes it.
TEST_F(WindowsInstallerTest, ServiceRunsWithAPreparedConfigAndTheUninstallerStopsIt) {
  PreparedConfig();
  ASSERT_EQ(Install({"/CONFIG=C:\\prepared.yaml"}), 0);
  ASSERT_TRUE(ServiceRuns());

  Uninstall();
  EXPECT_FALSE(wine_->RegQuery(kServiceKey)) << "service still registered";
  EXPECT_TRUE(fs::exists(DataDir() / "agent.yaml"));
}

TEST_F(WindowsInstallerTest, MissingPreparedConfigAbortsBeforeInstallingAnything) {
  EXPECT_EQ(Install({"/CONFIG=C:\\no-such.yaml"}), 2);
  EXPECT_FALSE(fs::exists(ProgramDir()));
  EXPECT_FALSE(fs::exists(DataDir()));
  EXPECT_FALSE(wine_->RegQuery(kServiceKey));
}

// Needs no Wine: the example the installer writes passes the agent's strict loader
// as it is (the technician still fills in the site values it marks FILL IN).
TEST(WindowsExampleConfig, PassesTheStrictLoader) {
  std::string path = std::string(KEHRBOTE_SOURCE_DIR) + "/installer/windows/agent.example.yaml";
  AgentConfig config = LoadAgentConfig(path);
  EXPECT_EQ(config.source.type, SourceType::kOdbc);
  EXPECT_EQ(config.firm.timezone, "Europe/Vienna");
  EXPECT_NE(config.log.file.find("agent.log"), std::string::npos);
}

}  // namespace
}  // namespace kehrbote
