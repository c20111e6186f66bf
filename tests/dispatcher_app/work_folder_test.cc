// The pull's work folder: "ingest" next to the store, the same for every run. A
// run that is killed leaves nothing in the system temp dir (every run that did not
// exit normally used to leave an empty /tmp/kehrbote-ingest-<pid>), and the
// next start removes what the killed run left in the folder.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/tcp_port.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DispatcherWorkFolderTest, KilledRunLeavesNothingInTheTempDirAndTheNextStartCleansUp) {
  test::AppEnv env;
  // Nothing listens on the port: every pull fails at connect, after the work
  // folder was taken.
  env.WriteConfig("poll_interval: 1s\n"
                  "sftp: {host: 127.0.0.1, port: " + std::to_string(test::FreeTcpPort()) +
                  ", user: kehrbote, password: x,"
                  " fingerprint: \"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}\n");
  env.Write("firms.d/huber.yaml", "id: huber\ninbox: /inbox/huber\n");
  const std::string temp = env.Sub("system-temp");
  fs::create_directories(temp);
  const std::string dispatcher = std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";

  test::ChildOptions run;
  run.argv = {dispatcher, "--config", env.config_path(), "run"};
  run.env = {"TMPDIR=" + temp};
  run.output_file = env.Sub("run.log");
  test::ChildProcess child = test::ChildProcess::Spawn(run);
  std::string log;
  // The dispatcher is another process that tells only through its log: bounded polling.
  for (int i = 0; i < 100 && log.find("pull") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = ReadText(env.Sub("run.log"));
  }
  ASSERT_NE(log.find("pull"), std::string::npos) << "no pull within 10 s:\n" << log;
  child.Kill(SIGKILL);
  ASSERT_TRUE(child.Wait(std::chrono::seconds(10)).has_value());

  EXPECT_EQ(Names(temp), std::vector<std::string>{}) << "nothing in the system temp dir";
  EXPECT_EQ(Names(env.Sub("ingest")), std::vector<std::string>{"LOCK"});

  // A download the killed run left behind is gone once the next run has started.
  env.Write("ingest/huber--left.json", "{\"format\": \"kehrbote-exp");
  test::ChildOptions once = run;
  once.argv = {dispatcher, "--config", env.config_path(), "once"};
  test::ChildProcess second = test::ChildProcess::Spawn(once);
  ASSERT_TRUE(second.Wait(std::chrono::seconds(60)).has_value());
  EXPECT_EQ(Names(env.Sub("ingest")), std::vector<std::string>{"LOCK"});
  EXPECT_EQ(Names(temp), std::vector<std::string>{});
}

}  // namespace
}  // namespace kehrbote
