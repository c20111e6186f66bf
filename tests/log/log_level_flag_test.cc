// --log-level of both programs: an unknown level is a usage error naming the
// levels; a known one wins over the config (unit-tested in logger_test).
#include <string>

#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

const std::string kDispatcher =
    std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
const std::string kAgent = std::string(KEHRBOTE_BINARY_DIR) + "/agent/kehrbote-agent";

TEST(LogLevelFlagTest, DispatcherRefusesAnUnknownLevel) {
  test::CommandResult r =
      test::RunCommand({kDispatcher, "--log-level", "verbose", "--config", "x.yaml", "once"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--log-level expects error|warning|info|debug, got 'verbose'"),
            std::string::npos)
      << r.output;
  r = test::RunCommand({kDispatcher, "--config", "x.yaml", "--log-level"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--log-level needs a level"), std::string::npos) << r.output;
}

TEST(LogLevelFlagTest, DispatcherConfigKeyErrorNamesFileLineAndKey) {
  test::TempDir dir;
  test::RunCommand({"sh", "-c",
                    "printf 'store: {url: \"sqlite:" + dir.Sub("d.db") +
                        "\"}\\nlog:\\n  level: loud\\n' > " + dir.Sub("d.yaml")});
  test::CommandResult r = test::RunCommand({kDispatcher, "--config", dir.Sub("d.yaml"), "once"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(dir.Sub("d.yaml") + ":3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("log.level"), std::string::npos) << r.output;
}

TEST(LogLevelFlagTest, AgentRefusesAnUnknownLevel) {
  test::CommandResult r =
      test::RunCommand({kAgent, "--log-level=verbose", "--config=x.yaml", "once"});
  EXPECT_EQ(r.exit_code, 64) << r.output;  // EX_USAGE
  EXPECT_NE(r.output.find("--log-level LEVEL expects error|warning|info|debug, got 'verbose'"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kehrbote
