#include "shared/env/env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace kehrbote {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kehrbote-env-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }
  std::string root_;
  Env& env_ = Env::Default();
};

TEST_F(EnvTest, PrivateDirectoriesAndFilesAreOwnerOnly) {
  std::string dir = JoinPath(root_, "spool/firm");
  env_.CreatePrivateDirectory(dir);
  EXPECT_TRUE(env_.IsPrivate(dir));
  const std::string content = "{\"a\": \"Müller\"}";
  auto f = env_.NewPrivateFile(JoinPath(dir, "export.json"));
  f->Append(content);
  f->Sync();
  f->Close();
  EXPECT_TRUE(env_.IsPrivate(JoinPath(dir, "export.json")));
  EXPECT_EQ(env_.ReadFile(JoinPath(dir, "export.json")), content);
  EXPECT_EQ(env_.FileSize(JoinPath(dir, "export.json")), content.size());
}

TEST_F(EnvTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  std::string path = JoinPath(root_, "status.json");
  env_.WritePrivateFileAtomically(path, "one");
  env_.WritePrivateFileAtomically(path, "two");
  EXPECT_EQ(env_.ReadFile(path), "two");
  EXPECT_EQ(env_.ListFiles(root_), std::vector<std::string>{"status.json"});
  EXPECT_TRUE(env_.IsPrivate(path));
}

TEST_F(EnvTest, ListRenameRemove) {
  env_.WritePrivateFileAtomically(JoinPath(root_, "b"), "x");
  env_.WritePrivateFileAtomically(JoinPath(root_, "a"), "y");
  env_.CreatePrivateDirectory(JoinPath(root_, "sub"));
  EXPECT_EQ(env_.ListFiles(root_), (std::vector<std::string>{"a", "b"}));
  env_.RenameFile(JoinPath(root_, "a"), JoinPath(root_, "c"));
  EXPECT_FALSE(env_.FileExists(JoinPath(root_, "a")));
  env_.RemoveFile(JoinPath(root_, "c"));
  env_.RemoveFile(JoinPath(root_, "c"));  // removing what is gone is fine
  EXPECT_EQ(env_.ListFiles(root_), std::vector<std::string>{"b"});
}

TEST_F(EnvTest, ErrorsNameThePath) {
  try {
    env_.ReadFile(JoinPath(root_, "missing.yaml"));
    FAIL();
  } catch (const EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos);
  }
}

TEST(JoinPathTest, Joins) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a", "/b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

}  // namespace
}  // namespace kehrbote
