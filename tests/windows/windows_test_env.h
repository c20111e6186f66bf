// The Linux-side Wine tests' view of the Windows build (tests/windows/CMakeLists.txt):
// where kehrbote-agent.exe and the setup program are, and the Wine prefix they share.
#pragma once

#include <string>

#include "tests/support/wine_prefix.h"

namespace kehrbote::test {

// <Windows build>/agent/kehrbote-agent.exe (with tzdata\ beside it).
std::string WindowsAgentExe();

// Today's date in Vienna, YYYY-MM-DD (the office database's first day).
std::string TodayInVienna();

// The prefix the ctest fixture `wine_prefix` prepared; its server is stopped by the
// fixture's cleanup, not by a test.
WinePrefix& SharedWinePrefix();

}  // namespace kehrbote::test
