// Test support: whether this platform keeps the access rights Env sets.
//
// Linux keeps file modes; Windows keeps ACLs. Wine accepts SetNamedSecurityInfo and
// reports success, but (Debian's wine64 8.0 here) stores no ACL: its files are plain
// Unix files and GetNamedSecurityInfo reports a default derived from the mode bits. So
// under Wine a test checks the ACL the code builds and sets (env_windows_test), not
// what the file system kept, and skips Env::IsPrivate on files.
#pragma once

namespace kehrbote::test {

bool PlatformKeepsAccessRights();

}  // namespace kehrbote::test
