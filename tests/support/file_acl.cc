#include "tests/support/file_acl.h"

#ifdef _WIN32
#include <windows.h>
#endif

namespace kehrbote::test {

bool PlatformKeepsAccessRights() {
#ifdef _WIN32
  // Wine's ntdll exports wine_get_version; Windows' does not.
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll == nullptr || GetProcAddress(ntdll, "wine_get_version") == nullptr;
#else
  return true;
#endif
}

}  // namespace kehrbote::test
