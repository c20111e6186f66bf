// `firms import DIR` / `firms export DIR`: files validated like firm files (a bad
// one refused whole with file:line, the good ones imported), and an export
// imports back unchanged.
#include "dispatcher/app/firms_command.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/store/database.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

class FirmsCommandTest : public ::testing::Test {
 protected:
  FirmsCommandTest() : dir_("kehrbote-firms-cmd-"), clock_(Instant(std::chrono::seconds(1795000000))) {
    std::ofstream(dir_.Sub("dispatcher.yaml"))
        << "store: {url: \"sqlite:" << dir_.Sub("dispatcher.db") << "\"}\n";
    Write("in/huber.yaml", "id: huber\nsender_name: Huber\n");
    Write("in/maier.yaml", "id: maier\n# the sender\nsender_name: \"Maier & Söhne GmbH\"\n");
  }
  void Write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_.Sub(name)).parent_path());
    std::ofstream(dir_.Sub(name)) << text;
  }
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunFirmsCommand(dir_.Sub("dispatcher.yaml"), args, clock_, out_, err_);
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_.Sub(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  test::TempDir dir_;
  ManualClock clock_;
  std::ostringstream out_, err_;
};

TEST_F(FirmsCommandTest, BadFileIsRefusedWithFileLineTheOthersImported) {
  EXPECT_EQ(Run({"import", dir_.Sub("in")}), 1);
  EXPECT_NE(err_.str().find(dir_.Sub("in/maier.yaml") + ":3:14: key 'sender_name'"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("maier.yaml: not imported"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("1 imported, 0 unchanged, 1 refused"), std::string::npos) << out_.str();
  auto db = Database::Open("sqlite:" + dir_.Sub("dispatcher.db"));
  FirmSettingsStore store(*db);
  EXPECT_FALSE(store.Current("maier").has_value());
  ASSERT_TRUE(store.Current("huber").has_value());
  EXPECT_EQ(store.Current("huber")->source, "import");
}

TEST_F(FirmsCommandTest, ExportRoundTrips) {
  Write("in/maier.yaml", "id: maier\n# the sender\nsender_name: Maier\n");
  ASSERT_EQ(Run({"import", dir_.Sub("in")}), 0) << err_.str();
  ASSERT_EQ(Run({"export", dir_.Sub("out")}), 0) << err_.str();
  EXPECT_EQ(Read("out/huber.yaml"), Read("in/huber.yaml"));
  EXPECT_EQ(Read("out/maier.yaml"), Read("in/maier.yaml"));  // comments too
  ASSERT_EQ(Run({"import", dir_.Sub("out")}), 0) << err_.str();
  EXPECT_NE(out_.str().find("0 imported, 2 unchanged, 0 refused"), std::string::npos) << out_.str();
  ASSERT_EQ(Run({"history", "maier"}), 0);
  EXPECT_NE(out_.str().find("v1"), std::string::npos);
  EXPECT_EQ(out_.str().find("v2"), std::string::npos) << out_.str();
  ASSERT_EQ(Run({"show", "maier"}), 0);
  EXPECT_EQ(out_.str(), Read("in/maier.yaml"));
  ASSERT_EQ(Run({"remove", "maier"}), 0);
  ASSERT_EQ(Run({"export", dir_.Sub("out2")}), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("out2/maier.yaml")));
  EXPECT_EQ(Run({"frobnicate"}), 2);
}

}  // namespace
}  // namespace kehrbote
