#include "tests/windows/windows_test_env.h"

#include "shared/time/clock.h"
#include "shared/time/zoned_time.h"

namespace kehrbote::test {

std::string WindowsAgentExe() { return KEHRBOTE_WINDOWS_AGENT_EXE; }

std::string TodayInVienna() {
  return FormatLocalDate(std::chrono::floor<std::chrono::days>(
      ToLocal(SystemClock().Now(), "Europe/Vienna")));
}

WinePrefix& SharedWinePrefix() {
  static WinePrefix prefix(KEHRBOTE_WINE_PREFIX, /*own_server=*/false);
  return prefix;
}

}  // namespace kehrbote::test
