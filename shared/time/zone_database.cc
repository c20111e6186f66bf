#include "shared/time/zone_database.h"

#include <cstdlib>
#include <mutex>

#include <date/tz.h>

#include "shared/time/zoned_time.h"

#ifdef KEHRBOTE_SHIPPED_TZDATA
#include "shared/env/env.h"
#endif

namespace kehrbote {

std::string ZoneDatabaseFolder() {
#ifdef KEHRBOTE_SHIPPED_TZDATA
  const char* dir = std::getenv("KEHRBOTE_TZDATA_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return JoinPath(Env::Default().ExecutableDirectory(), "tzdata");
#else
  return "";
#endif
}

void EnsureZoneDatabase() {
#ifdef KEHRBOTE_SHIPPED_TZDATA
  // A mutex, not std::call_once: a throw leaves `ready` false, so the next call checks
  // again (call_once's exceptional path is unreliable in some libstdc++ builds).
  static std::mutex mu;
  static bool ready = false;
  std::lock_guard<std::mutex> lock(mu);
  if (ready) return;
  const std::string folder = ZoneDatabaseFolder();
  if (!Env::Default().FileExists(JoinPath(folder, "europe"))) {
    throw TimeZoneError("time zone data not found: no IANA file 'europe' in '" + folder +
                        "' (reinstall the agent or set KEHRBOTE_TZDATA_DIR)");
  }
  date::set_install(folder);
  ready = true;
#endif
}

}  // namespace kehrbote
