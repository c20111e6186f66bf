// The Linux packages: cpack -G DEB in this build tree, then each .deb is
// unpacked into a throwaway root (dpkg-deb -x / -e; nothing is installed on the
// machine) and checked: files and modes, systemd units, default configs in
// /etc/kehrbote that the programs' own parsers accept, the postinst run with
// recording stand-ins for adduser/install/chown/chmod/systemctl (so what it
// would do to the system is asserted without doing it), the unpacked binaries'
// --help, and the unpacked agent's `check` against a throwaway sshd.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "agent/config/agent_config.h"
#include "dispatcher/config/dispatcher_config.h"
#include "tests/support/child_process.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::RunCommand;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteFile(const std::string& path, const std::string& text, fs::perms perms = fs::perms(0600)) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  fs::permissions(path, perms);
}
unsigned Mode(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// One package, built and unpacked once per process.
struct Package {
  std::string deb;        // the .deb file
  std::string root;       // dpkg-deb -x
  std::string control;    // dpkg-deb -e
  std::string info;       // dpkg-deb -I
};

class Packages : public ::testing::Environment {
 public:
  void SetUp() override {
    dir = std::make_unique<test::TempDir>("kehrbote-packaging-");
    const std::string out = dir->Sub("out");
    fs::create_directories(out);
    test::CommandResult r =
        RunCommand({"cpack", "-G", "DEB", "-B", out, "--config",
                    std::string(KEHRBOTE_BINARY_DIR) + "/CPackConfig.cmake"},
                   480s);
    cpack_output = r.output;
    if (r.exit_code != 0) {
      error = "cpack failed (" + std::to_string(r.exit_code) + "):\n" + r.output;
      return;
    }
    for (const auto& e : fs::directory_iterator(out)) {
      const std::string name = e.path().filename();
      if (e.path().extension() != ".deb") continue;
      for (const std::string program : {"agent", "dispatcher"}) {
        if (name.rfind("kehrbote-" + program + "_", 0) != 0) continue;
        Package p;
        p.deb = e.path();
        p.root = dir->Sub(program + "-root");
        p.control = dir->Sub(program + "-control");
        for (auto argv : std::vector<std::vector<std::string>>{
                 {"dpkg-deb", "-x", p.deb, p.root}, {"dpkg-deb", "-e", p.deb, p.control}}) {
          test::CommandResult u = RunCommand(argv, 120s);
          if (u.exit_code != 0) error += argv[1] + " " + name + ": " + u.output;
        }
        p.info = RunCommand({"dpkg-deb", "-I", p.deb}, 60s).output;
        packages[program] = p;
      }
    }
  }
  void TearDown() override { dir.reset(); }

  std::unique_ptr<test::TempDir> dir;
  std::string error, cpack_output;
  std::map<std::string, Package> packages;
};

Packages* packages = nullptr;

const Package& Get(const std::string& program) {
  static Package none;
  auto it = packages->packages.find(program);
  return it == packages->packages.end() ? none : it->second;
}

#define REQUIRE_PACKAGE(program)                                                      \
  ASSERT_TRUE(packages->error.empty()) << packages->error;                            \
  ASSERT_TRUE(packages->packages.count(program))                                      \
      << "no kehrbote-" << (program) << " .deb; cpack said:\n" << packages->cpack_output; \
  const Package& p = Get(program)

TEST(Packaging, BothPackagesAreBuiltWithControlData) {
  for (const std::string program : {"agent", "dispatcher"}) {
    REQUIRE_PACKAGE(program);
    EXPECT_NE(p.info.find("Package: kehrbote-" + program), std::string::npos) << p.info;
    EXPECT_NE(p.info.find("adduser"), std::string::npos) << "Depends on adduser\n" << p.info;
    // dpkg-shlibdeps filled in the shared libraries (Poco, libssh2, ...).
    EXPECT_NE(p.info.find("libpoco"), std::string::npos) << p.info;
    if (program == "dispatcher") {
      // The web portal: Argon2id (libsodium, by dpkg-shlibdeps) and Bootstrap's CSS.
      EXPECT_NE(p.info.find("libsodium"), std::string::npos) << p.info;
      EXPECT_NE(p.info.find("libjs-bootstrap5"), std::string::npos) << p.info;
    }
    EXPECT_EQ(ReadFile(p.control + "/conffiles"), "/etc/kehrbote/" + program + ".yaml\n");
    EXPECT_EQ(Mode(p.control + "/postinst") & 0111, 0111u);
    EXPECT_EQ(Mode(p.control + "/postrm") & 0111, 0111u);
  }
}

TEST(Packaging, FilesUnitsAndDefaultConfigs) {
  for (const std::string program : {"agent", "dispatcher"}) {
    REQUIRE_PACKAGE(program);
    const std::string exe = p.root + "/usr/bin/kehrbote-" + program;
    EXPECT_EQ(Mode(exe) & 0111, 0111u) << exe;
    // usrmerged Debian: systemd reads units from /usr/lib/systemd/system.
    const std::string unit = ReadFile(p.root + "/usr/lib/systemd/system/kehrbote-" + program +
                                      ".service");
    ASSERT_FALSE(unit.empty()) << "no unit for " << program;
    EXPECT_NE(unit.find("ExecStart=/usr/bin/kehrbote-" + program +
                        " --config /etc/kehrbote/" + program + ".yaml run"),
              std::string::npos)
        << unit;
    EXPECT_NE(unit.find("User=kehrbote"), std::string::npos) << unit;
    EXPECT_NE(unit.find("StateDirectory=kehrbote/" + program), std::string::npos) << unit;
    EXPECT_NE(unit.find("UMask=0077"), std::string::npos) << unit;
    const std::string config = p.root + "/etc/kehrbote/" + program + ".yaml";
    EXPECT_TRUE(fs::is_regular_file(config)) << config;
    EXPECT_EQ(Mode(config) & 0007, 0u) << "config not world-readable";
  }
  // The other package's files are not in this one.
  EXPECT_FALSE(fs::exists(Get("agent").root + "/usr/bin/kehrbote-dispatcher"));
  EXPECT_FALSE(fs::exists(Get("dispatcher").root + "/usr/bin/kehrbote-agent"));
}

TEST(Packaging, DefaultConfigsAreAcceptedByTheParsers) {
  {
    REQUIRE_PACKAGE("agent");
    // The default reads the office database's connection string from the
    // environment (the unit's EnvironmentFile /etc/kehrbote/agent.env).
    ::setenv("KEHRBOTE_OFFICE_DB", "DSN=Winchim;UID=kehrbote;PWD=x", 1);
    AgentConfig c = LoadAgentConfig(p.root + "/etc/kehrbote/agent.yaml");
    EXPECT_EQ(c.spool_dir, "/var/lib/kehrbote/agent/spool");
    EXPECT_EQ(c.status_file, "/var/lib/kehrbote/agent/status.json");
    EXPECT_EQ(c.firm.timezone, "Europe/Vienna");
    EXPECT_EQ(c.source.sql.connection, "DSN=Winchim;UID=kehrbote;PWD=x");
    EXPECT_TRUE(!c.upload.endpoint.known_hosts_file.empty() ||
                !c.upload.endpoint.host_key_fingerprint.empty())
        << "host key pinned by default";
    const std::string unit = ReadFile(p.root + "/usr/lib/systemd/system/kehrbote-agent.service");
    EXPECT_NE(unit.find("EnvironmentFile=-/etc/kehrbote/agent.env"), std::string::npos) << unit;
  }
  {
    REQUIRE_PACKAGE("dispatcher");
    // firms_dir points at /etc/kehrbote/firms.d of the machine; read the
    // packaged example firm instead, from a copy of the config.
    std::string yaml = ReadFile(p.root + "/etc/kehrbote/dispatcher.yaml");
    const std::string from = "firms_dir: /etc/kehrbote/firms.d";
    size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << yaml;
    yaml.replace(at, from.size(), "firms_dir: " + p.root + "/etc/kehrbote/firms.example");
    const std::string copy = packages->dir->Sub("dispatcher.yaml");
    WriteFile(copy, yaml);
    ::setenv("KEHRBOTE_KANNEL_PASSWORD", "kannel-secret", 1);
    ::setenv("KEHRBOTE_SMTP_PASSWORD", "smtp-secret", 1);
    DispatcherConfig c = LoadDispatcherConfig(copy);
    EXPECT_EQ(c.store_url, "sqlite:/var/lib/kehrbote/dispatcher/dispatcher.db");
    EXPECT_EQ(c.delivery.sms_provider, "kannel");
    EXPECT_EQ(c.delivery.kannel.password, "kannel-secret");
    EXPECT_TRUE(c.delivery.smtp_configured);
    EXPECT_EQ(c.delivery.smtp.password, "smtp-secret");
    const std::string unit =
        ReadFile(p.root + "/usr/lib/systemd/system/kehrbote-dispatcher.service");
    EXPECT_NE(unit.find("EnvironmentFile=-/etc/kehrbote/dispatcher.env"), std::string::npos)
        << unit;
    ASSERT_EQ(c.firms.size(), 1u);
    EXPECT_EQ(c.firms[0].id(), "huber");
  }
}

// Runs a package's postinst with stand-ins that record their arguments.
std::string RunPostinst(const Package& p, bool user_exists, const std::string& name) {
  const std::string bin = packages->dir->Sub(name + "-bin");
  const std::string log = packages->dir->Sub(name + "-calls.log");
  fs::create_directories(bin);
  for (const char* tool : {"adduser", "install", "chown", "chmod", "systemctl"})
    WriteFile(bin + "/" + tool, "#!/bin/sh\necho \"" + std::string(tool) + " $*\" >> " + log +
                                    "\n",
              fs::perms(0700));
  WriteFile(bin + "/getent",
            "#!/bin/sh\necho \"getent $*\" >> " + log + "\nexit " + (user_exists ? "0" : "2") +
                "\n",
            fs::perms(0700));
  test::CommandResult r =
      RunCommand({"env", "PATH=" + bin + ":/usr/bin:/bin", "/bin/sh", "-e",
                  p.control + "/postinst", "configure", ""},
                 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return ReadFile(log);
}

TEST(Packaging, PostinstCreatesTheUserAndPrivateDataDirectory) {
  for (const std::string program : {"agent", "dispatcher"}) {
    REQUIRE_PACKAGE(program);
    const std::string calls = RunPostinst(p, /*user_exists=*/false, program + "-fresh");
    EXPECT_NE(calls.find("getent passwd kehrbote"), std::string::npos) << calls;
    EXPECT_NE(calls.find("adduser --system --group --home /var/lib/kehrbote --no-create-home "
                         "--quiet kehrbote"),
              std::string::npos)
        << calls;
    EXPECT_NE(calls.find("install -d -m 0700 -o kehrbote -g kehrbote /var/lib/kehrbote "
                         "/var/lib/kehrbote/" + program),
              std::string::npos)
        << calls;
    EXPECT_NE(calls.find("install -d -m 0750 -o root -g kehrbote /etc/kehrbote"),
              std::string::npos)
        << calls;
    // Upgrade: the user exists, nothing is added twice.
    const std::string again = RunPostinst(p, /*user_exists=*/true, program + "-upgrade");
    EXPECT_EQ(again.find("adduser"), std::string::npos) << again;
    EXPECT_NE(again.find("install -d -m 0700"), std::string::npos) << again;
  }
  EXPECT_NE(RunPostinst(Get("dispatcher"), true, "dispatcher-firms").find("/etc/kehrbote/firms.d"),
            std::string::npos);
}

TEST(Packaging, UnpackedBinariesShowTheirHelp) {
  {
    REQUIRE_PACKAGE("agent");
    test::CommandResult r = RunCommand({p.root + "/usr/bin/kehrbote-agent", "--help"}, 30s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("check"), std::string::npos) << r.output;
  }
  {
    REQUIRE_PACKAGE("dispatcher");
    test::CommandResult r = RunCommand({p.root + "/usr/bin/kehrbote-dispatcher", "--help"}, 30s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("once"), std::string::npos) << r.output;
  }
}

TEST(Packaging, UnpackedAgentChecksTheDrop) {
  REQUIRE_PACKAGE("agent");
  test::SshdServer sshd;
  sshd.Start();
  fs::create_directories(sshd.data_root() + "/inbox");
  test::TempDir work("kehrbote-packaging-check-");
  WriteFile(work.Sub("termine.csv"),
            "TerminNr;Datum;Uhrzeit;TelNr1;TelNr1Ok\nT1;2030-01-02;09:00;0664 1234567;1\n");
  // The packaged default config with the source and drop of this test.
  std::string yaml = ReadFile(p.root + "/etc/kehrbote/agent.yaml");
  yaml = yaml.substr(0, yaml.find("\nsource:"));
  yaml += "\nsource:\n"
          "  type: csv\n"
          "  path: " + work.Sub("termine.csv") + "\n"
          "  columns:\n"
          "    id: TerminNr\n"
          "    date: Datum\n"
          "    time: Uhrzeit\n"
          "    phones: [{number: TelNr1, consent: TelNr1Ok}]\n"
          "upload:\n"
          "  host: 127.0.0.1\n"
          "  port: " + std::to_string(sshd.port()) + "\n"
          "  user: " + sshd.user() + "\n"
          "  key_file: " + sshd.client_key_path() + "\n"
          "  fingerprint: \"" + sshd.fingerprint() + "\"\n"
          "  remote_dir: " + sshd.RemotePath("inbox") + "\n"
          "spool: {dir: " + work.Sub("spool") + "}\n"
          "status_file: " + work.Sub("status.json") + "\n";
  WriteFile(work.Sub("agent.yaml"), yaml);
  test::CommandResult r = RunCommand(
      {p.root + "/usr/bin/kehrbote-agent", "--config", work.Sub("agent.yaml"), "check"}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(sshd.fingerprint()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("matches the pinned fingerprint"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("drop writable"), std::string::npos) << r.output;
  // check leaves nothing in the drop.
  EXPECT_TRUE(fs::is_empty(sshd.data_root() + "/inbox"));
}

}  // namespace
}  // namespace kehrbote

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  kehrbote::packages = new kehrbote::Packages;
  ::testing::AddGlobalTestEnvironment(kehrbote::packages);
  return RUN_ALL_TESTS();
}
