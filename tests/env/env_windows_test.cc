// The Windows side of Env, under Wine: the ACL the agent sets on the folders and files
// it makes for spool, status and log (SYSTEM and Administrators only, not inherited
// from the parent), how a descriptor is judged private, and UTF-8 paths. Built and run
// only in the Windows build.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "shared/env/env.h"
#include "shared/env/windows_acl.h"
#include "tests/support/file_acl.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

// `sddl` as a security descriptor, and back to SDDL (DACL part).
struct Descriptor {
  explicit Descriptor(const wchar_t* sddl) {
    ok = ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, nullptr);
  }
  ~Descriptor() { LocalFree(sd); }
  std::string Dacl() const {
    LPWSTR text = nullptr;
    std::string out;
    if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                             DACL_SECURITY_INFORMATION, &text, nullptr)) {
      for (const wchar_t* p = text; *p; ++p) out += static_cast<char>(*p);
      LocalFree(text);
    }
    return out;
  }
  PSECURITY_DESCRIPTOR sd = nullptr;
  BOOL ok = FALSE;
};

TEST(EnvWindowsTest, PrivateAclIsForSystemAndAdministratorsOnly) {
  Descriptor set(windows_acl::PrivateSddl());
  ASSERT_TRUE(set.ok);
  // Protected (P: nothing inherited from the parent), full access for SYSTEM (SY) and
  // Administrators (BA), inherited by files (OI) and folders (CI) inside.
  EXPECT_EQ(set.Dacl(), "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  EXPECT_TRUE(windows_acl::IsPrivateDescriptor(set.sd));
}

TEST(EnvWindowsTest, AnyOtherAclIsNotPrivate) {
  const wchar_t* others[] = {
      // What Wine reports for a folder whose ACL it did not keep (owner, everyone reads).
      L"D:(A;OICI;FA;;;SY)(A;OICI;FA;;;S-1-5-21-0-0-0-1000)(A;OICI;0x1200a9;;;WD)",
      // The right entries, but open to what the parent grants.
      L"D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
      // Protected, but Users may read.
      L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FR;;;BU)",
      // Protected, the owner too (the ACL the agent used to set).
      L"D:P(A;OICI;FA;;;OW)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
  };
  for (const wchar_t* sddl : others) {
    Descriptor d(sddl);
    ASSERT_TRUE(d.ok);
    EXPECT_FALSE(windows_acl::IsPrivateDescriptor(d.sd)) << d.Dacl();
  }
}

// Wine accepts the ACL without keeping it (tests/support/file_acl.h), so on Wine this
// shows that setting it succeeds; on Windows also that it is kept.
TEST(EnvWindowsTest, PrivateFoldersAndFilesGetThatAcl) {
  test::TempDir root("kehrbote-acl-");
  std::string spool = JoinPath(root.path(), "spool");
  ASSERT_NO_THROW(Env::Default().CreatePrivateDirectory(spool));
  std::string file = JoinPath(spool, "export.json");
  auto f = Env::Default().NewPrivateFile(file);
  f->Append("{}");
  f->Close();
  if (!test::PlatformKeepsAccessRights()) GTEST_SKIP() << "Wine keeps no ACLs";
  EXPECT_TRUE(Env::Default().IsPrivate(spool));
  EXPECT_TRUE(Env::Default().IsPrivate(file));
}

TEST(EnvWindowsTest, Utf8PathsWithUmlauts) {
  test::TempDir root("kehrbote-utf8-");
  std::string dir = JoinPath(root.path(), "Rauchfangkehrer Müller");
  Env::Default().CreatePrivateDirectory(dir);
  Env::Default().WritePrivateFileAtomically(JoinPath(dir, "Jänner.json"), "ä");
  EXPECT_EQ(Env::Default().ReadFile(JoinPath(dir, "Jänner.json")), "ä");
  EXPECT_EQ(Env::Default().ListFiles(dir), std::vector<std::string>{"Jänner.json"});
}

TEST(EnvWindowsTest, ExecutableDirectoryIsAWindowsPath) {
  std::string dir = Env::Default().ExecutableDirectory();
  ASSERT_GE(dir.size(), 3u);
  EXPECT_EQ(dir[1], ':') << dir;
}

}  // namespace
}  // namespace kehrbote
