#include "agent/upload/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using namespace std::chrono_literals;

// 2026-11-23T19:00:00Z
const Instant kT0{std::chrono::seconds(1795460400)};

int Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class SpoolTest : public ::testing::Test {
 protected:
  test::TempDir tmp_;
  ManualClock clock_{kT0};
};

TEST_F(SpoolTest, DirectoryIs0700AndFilesAre0600) {
  Spool spool(tmp_.Sub("spool"), clock_);
  EXPECT_EQ(Mode(spool.dir()), 0700);
  std::string src = tmp_.Sub("export.json");
  std::ofstream(src) << "{\"a\":1}";
  chmod(src.c_str(), 0644);
  SpooledExport e = spool.Add(src, "huber");
  EXPECT_EQ(Mode(e.path), 0600);
  EXPECT_EQ(e.name, "export-huber-20261123T190000Z-1.json");
  EXPECT_EQ(e.firm_id, "huber");
  EXPECT_EQ(e.spooled_at, kT0);
  std::ifstream in(e.path);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "{\"a\":1}");
}

TEST_F(SpoolTest, PendingIsNewestFirstAndParsesFirmIdsWithDashes) {
  Spool spool(tmp_.Sub("spool"), clock_);
  spool.AddContent("1", "rfk-mayr-2");
  SpooledExport same_second = spool.AddContent("2", "rfk-mayr-2");
  EXPECT_EQ(same_second.seq, 2);
  clock_.Advance(3600s);
  spool.AddContent("3", "huber");
  // Foreign files (e.g. a leftover of an interrupted atomic write) are ignored.
  std::ofstream(spool.dir() + "/export-huber-20261123T190000Z-1.json.tmp") << "x";
  std::ofstream(spool.dir() + "/notes.txt") << "x";

  std::vector<SpooledExport> p = spool.Pending();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "export-huber-20261123T200000Z-1.json");
  EXPECT_EQ(p[0].firm_id, "huber");
  EXPECT_EQ(p[1].name, "export-rfk-mayr-2-20261123T190000Z-2.json");
  EXPECT_EQ(p[1].firm_id, "rfk-mayr-2");
  EXPECT_EQ(p[1].seq, 2);
  EXPECT_EQ(p[2].name, "export-rfk-mayr-2-20261123T190000Z-1.json");
}

TEST_F(SpoolTest, PruneDeletesOnlyFilesPastRetention) {
  Spool spool(tmp_.Sub("spool"), clock_, /*retention=*/std::chrono::hours(24 * 7));
  SpooledExport old = spool.AddContent("old", "huber");
  clock_.Advance(std::chrono::hours(24 * 6));
  SpooledExport young = spool.AddContent("young", "huber");
  EXPECT_TRUE(spool.Prune().empty());
  clock_.Advance(std::chrono::hours(24 * 1) + 1s);  // old is now 7 days + 1 s old
  EXPECT_EQ(spool.Prune(), std::vector<std::string>{old.name});
  std::vector<SpooledExport> p = spool.Pending();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, young.name);
}

TEST_F(SpoolTest, AddCopiesLargeExportsCompletely) {
  Spool spool(tmp_.Sub("spool"), clock_);
  std::string big(5u << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  std::string src = tmp_.Sub("big.json");
  std::ofstream(src, std::ios::binary) << big;
  SpooledExport e = spool.Add(src, "huber");
  std::ifstream in(e.path, std::ios::binary);
  std::string copy((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(copy == big);
  EXPECT_THROW(spool.Add(tmp_.Sub("missing.json"), "huber"), EnvError);
  EXPECT_EQ(spool.Pending().size(), 1u);
}

TEST_F(SpoolTest, ReserveNamesTheNextEntryWithoutCreatingIt) {
  Spool spool(tmp_.Sub("spool"), clock_);
  SpooledExport r = spool.Reserve("huber");
  EXPECT_EQ(r.name, "export-huber-20261123T190000Z-1.json");
  EXPECT_TRUE(spool.Pending().empty());
  std::ofstream(r.path + ".tmp") << "half";  // a writer still busy is not pending
  EXPECT_TRUE(spool.Pending().empty());
  std::rename((r.path + ".tmp").c_str(), r.path.c_str());
  ASSERT_EQ(spool.Pending().size(), 1u);
  EXPECT_EQ(spool.Reserve("huber").seq, 2);
}

TEST_F(SpoolTest, RejectsFirmIdsThatCannotBePartOfAFileName) {
  Spool spool(tmp_.Sub("spool"), clock_);
  EXPECT_THROW(spool.AddContent("x", "../etc"), std::invalid_argument);
  EXPECT_THROW(spool.AddContent("x", ""), std::invalid_argument);
  EXPECT_THROW(spool.AddContent("x", "Huber"), std::invalid_argument);
  EXPECT_TRUE(spool.Pending().empty());
}

}  // namespace
}  // namespace kehrbote
