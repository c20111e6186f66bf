// The access rights of private files and folders on Windows (implemented in
// env_windows.cc). Apart from Env so that tests can check the descriptor the code sets
// even where the file system does not keep it (Wine stores no ACLs).
// Windows build only. Thread-safe (no state).
#pragma once

namespace kehrbote::windows_acl {

// SDDL of the DACL every private folder and file gets: protected (nothing inherited
// from the parent), full control for SYSTEM and Administrators, inherited inside.
const wchar_t* PrivateSddl();

// True if the security descriptor `sd` (a PSECURITY_DESCRIPTOR) has a protected DACL
// whose allow entries name SYSTEM or Administrators only.
bool IsPrivateDescriptor(void* sd);

}  // namespace kehrbote::windows_acl
