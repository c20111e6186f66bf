// Test support: sets or removes a variable of the test process's environment, on
// Linux and in the Windows build (where the agent's tests run under Wine).
#pragma once

#include <cstdlib>

namespace kehrbote::test {

// `value` nullptr removes the variable. (Not SetEnvironmentVariable: windows.h makes
// that name a macro.)
inline void SetEnvVariable(const char* name, const char* value) {
#ifdef _WIN32
  _putenv_s(name, value != nullptr ? value : "");  // "" removes it on Windows
#else
  if (value != nullptr) {
    ::setenv(name, value, 1);
  } else {
    ::unsetenv(name);
  }
#endif
}

}  // namespace kehrbote::test
