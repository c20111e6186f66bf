// ZoneDatabase: where the IANA time zone rules come from.
//
// On Linux date/tz reads the operating system's database (/usr/share/zoneinfo, kept
// current by the tzdata package). Windows has no IANA database, so the Windows build
// (compiled with KEHRBOTE_SHIPPED_TZDATA) reads the IANA text files of Debian's tzdata
// package that the installer puts into the folder `tzdata` next to the executable.
// The environment variable KEHRBOTE_TZDATA_DIR names another folder (tests).
//
// Thread-safe; the first call does the work, later calls return at once.
#pragma once

#include <string>

namespace kehrbote {

// Makes the zone database available before the first zone lookup. Throws
// TimeZoneError naming the folder if the shipped data is missing. No-op on Linux.
void EnsureZoneDatabase();

// The folder the shipped data is read from ("" on Linux: the OS database).
std::string ZoneDatabaseFolder();

}  // namespace kehrbote
