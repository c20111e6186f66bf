// ExportUploader against a real OpenSSH sshd on loopback.
#include "agent/upload/export_uploader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const Instant kT0{std::chrono::seconds(1795460400)};  // 2026-11-23T19:00:00Z

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

class ExportUploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(server_.data_root() + "/inbox");
  }
  RetryPolicy FastPolicy(int attempts) {
    return RetryPolicy{attempts, 100ms, 300ms};
  }
  ExportUploader Uploader(RetryPolicy policy) {
    return ExportUploader(server_.Endpoint(), server_.RemotePath("inbox"), spool_, policy,
                          [this](std::chrono::milliseconds d) {
                            sleeps_.push_back(d);
                            if (on_sleep_) on_sleep_();
                          });
  }
  std::string LocalInbox() const { return server_.data_root() + "/inbox"; }

  test::SshdServer server_;
  test::TempDir tmp_;
  ManualClock clock_{kT0};
  Spool spool_{tmp_.Sub("spool"), clock_};
  std::vector<std::chrono::milliseconds> sleeps_;
  std::function<void()> on_sleep_;
};

TEST_F(ExportUploaderTest, SendsNewestAndDropsOlderSnapshotsOfTheFirm) {
  server_.Start();
  spool_.AddContent("{\"v\":1}", "huber-wien");
  clock_.Advance(86400s);
  spool_.AddContent("{\"v\":2}", "huber-wien");
  spool_.AddContent("{\"m\":1}", "mayr");

  UploadReport r = Uploader(FastPolicy(3)).SendPending();
  ASSERT_TRUE(r.ok()) << r.Summary();
  ASSERT_EQ(r.firms.size(), 2u);
  EXPECT_EQ(r.firms[0].firm_id, "huber-wien");
  EXPECT_EQ(r.firms[0].remote_name, "export-huber-wien-20261124T190000Z-1.json");
  EXPECT_EQ(r.firms[0].attempts, 1);
  EXPECT_EQ(r.firms[0].dropped,
            std::vector<std::string>{"export-huber-wien-20261123T190000Z-1.json"});
  EXPECT_EQ(Names(LocalInbox()),
            (std::vector<std::string>{"export-huber-wien-20261124T190000Z-1.json",
                                      "export-mayr-20261124T190000Z-1.json"}));
  EXPECT_EQ(ReadLocal(LocalInbox() + "/export-huber-wien-20261124T190000Z-1.json"), "{\"v\":2}");
  EXPECT_TRUE(spool_.Pending().empty());
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_NE(r.Summary().find("dropped 1 older"), std::string::npos) << r.Summary();
}

TEST_F(ExportUploaderTest, FilesOnTheDropAreOwnerOnlyUnlessGroupReadIsConfigured) {
  server_.Start();
  spool_.AddContent("{\"v\":1}", "huber-wien");
  ASSERT_TRUE(Uploader(FastPolicy(1)).SendPending().ok());
  auto perms = [&](const std::string& name) {
    return fs::status(LocalInbox() + "/" + name).permissions() & fs::perms::all;
  };
  EXPECT_EQ(perms("export-huber-wien-20261123T190000Z-1.json"),
            fs::perms::owner_read | fs::perms::owner_write);

  // upload.file_mode: "0640", for a drop with one Unix user per firm and a pull
  // account in the files' group.
  spool_.AddContent("{\"m\":1}", "mayr");
  ExportUploader group_read(server_.Endpoint(), server_.RemotePath("inbox"), spool_,
                            FastPolicy(1), [](std::chrono::milliseconds) {}, 0640);
  ASSERT_TRUE(group_read.SendPending().ok());
  EXPECT_EQ(perms("export-mayr-20261123T190000Z-1.json"),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(ExportUploaderTest, ServerDownKeepsTheExportSpooledAndSendsItWhenBack) {
  // Server not started: nothing listens on its port.
  spool_.AddContent("{\"v\":1}", "huber");
  UploadReport down = Uploader(FastPolicy(3)).SendPending();
  ASSERT_FALSE(down.ok());
  ASSERT_EQ(down.firms.size(), 1u);
  EXPECT_EQ(down.firms[0].attempts, 3);
  EXPECT_NE(down.firms[0].last_error.find("cannot connect"), std::string::npos)
      << down.firms[0].last_error;
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
  ASSERT_EQ(spool_.Pending().size(), 1u);
  EXPECT_NE(down.Summary().find("stays spooled"), std::string::npos) << down.Summary();

  server_.Start();
  UploadReport back = Uploader(FastPolicy(3)).SendPending();
  ASSERT_TRUE(back.ok()) << back.Summary();
  EXPECT_EQ(ReadLocal(LocalInbox() + "/" + back.firms[0].remote_name), "{\"v\":1}");
  EXPECT_TRUE(spool_.Pending().empty());
}

TEST_F(ExportUploaderTest, RetriesWithBackoffUntilTheServerComesBack) {
  spool_.AddContent("{\"v\":1}", "huber");
  int sleeps = 0;
  on_sleep_ = [&] {
    if (++sleeps == 3) server_.Start();  // back after the third wait
  };
  UploadReport r = Uploader(FastPolicy(6)).SendPending();
  ASSERT_TRUE(r.ok()) << r.Summary();
  EXPECT_EQ(r.firms[0].attempts, 4);
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 300ms}));  // capped
  EXPECT_FALSE(r.firms[0].last_error.empty());
  EXPECT_EQ(Names(LocalInbox()).size(), 1u);
}

TEST_F(ExportUploaderTest, ChangedHostKeyIsNotRetriedAndNothingIsSent) {
  server_.Start();
  server_.RotateHostKey();
  spool_.AddContent("{\"v\":1}", "huber");
  UploadReport r = Uploader(FastPolicy(5)).SendPending();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.firms[0].attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_NE(r.firms[0].last_error.find(server_.fingerprint()), std::string::npos)
      << r.firms[0].last_error;
  EXPECT_NE(r.firms[0].last_error.find(server_.current_fingerprint()), std::string::npos);
  EXPECT_TRUE(Names(LocalInbox()).empty());
  EXPECT_EQ(spool_.Pending().size(), 1u);
}

TEST_F(ExportUploaderTest, PrunesExpiredExportsBeforeSending) {
  server_.Start();
  Spool short_spool(tmp_.Sub("spool2"), clock_, /*retention=*/3600s);
  short_spool.AddContent("{\"old\":1}", "huber");
  clock_.Advance(7200s);
  ExportUploader up(server_.Endpoint(), server_.RemotePath("inbox"), short_spool,
                    FastPolicy(2), [](std::chrono::milliseconds) {});
  UploadReport r = up.SendPending();
  EXPECT_EQ(r.pruned, std::vector<std::string>{"export-huber-20261123T190000Z-1.json"});
  EXPECT_TRUE(r.firms.empty());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(Names(LocalInbox()).empty());
}

}  // namespace
}  // namespace kehrbote
