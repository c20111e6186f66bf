// The Windows side of Env, under Wine: the ACL the agent sets on the folders it makes
// for spool, status and log (SYSTEM and Administrators only, not inherited from the
// parent), and UTF-8 paths. Built and run only in the Windows build.
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
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

// The DACL of `path` as SDDL, read back through the Windows API.
std::string DaclOf(const std::string& path) {
  std::wstring w = std::filesystem::u8path(path).wstring();
  PSECURITY_DESCRIPTOR sd = nullptr;
  DWORD rc = GetNamedSecurityInfoW(w.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                   nullptr, nullptr, nullptr, nullptr, &sd);
  if (rc != ERROR_SUCCESS) return "error " + std::to_string(rc);
  LPWSTR text = nullptr;
  std::string out;
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                           DACL_SECURITY_INFORMATION, &text, nullptr)) {
    for (const wchar_t* p = text; *p; ++p) out += static_cast<char>(*p);
    LocalFree(text);
  }
  LocalFree(sd);
  return out;
}

TEST(EnvWindowsTest, PrivateFoldersAreForSystemAndAdministratorsOnly) {
  test::TempDir root("kehrbote-acl-");
  std::string spool = JoinPath(root.path(), "spool");
  Env::Default().CreatePrivateDirectory(spool);
  // Protected (P: nothing inherited from above), full access for SYSTEM (SY) and
  // Administrators (BA), inherited by files (OI) and folders (CI) inside.
  EXPECT_EQ(DaclOf(spool), "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  EXPECT_TRUE(Env::Default().IsPrivate(spool));

  std::string file = JoinPath(spool, "export.json");
  auto f = Env::Default().NewPrivateFile(file);
  f->Append("{}");
  f->Close();
  EXPECT_TRUE(Env::Default().IsPrivate(file)) << DaclOf(file);
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
