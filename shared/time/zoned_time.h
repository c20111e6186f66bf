// Local civil time in an IANA zone, and the way back to instants.
//
// Appointments are written in the firm's local time; reminders are planned on the
// UTC time line. These functions are the only place where the two meet, so the
// behaviour at the clock changes is decided once, here:
//   - DST gap (e.g. 2026-03-29 02:30 Europe/Vienna does not exist): the local time is
//     read with the offset in force before the gap, i.e. it lands as many minutes after
//     the gap's end as it was after its start (02:30 -> 03:30 CEST). An appointment
//     typed into the gap is thus kept, never dropped, and never moved earlier.
//   - DST overlap (2026-10-25 02:30 Europe/Vienna happens twice): the earlier of the
//     two instants (02:30 CEST) is taken, so a reminder computed from it is never late.
// Zone names are checked; an unknown zone throws TimeZoneError naming the zone.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "shared/time/clock.h"

namespace kehrbote {

// Wall-clock time without a zone, to the second. Same type as date::local_seconds.
using LocalTime = std::chrono::time_point<std::chrono::local_t, std::chrono::seconds>;

class TimeZoneError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A calendar month in a zone: [its first midnight, the next month's first
// midnight). SMS quotas and usage reports count per month in the firm's zone.
struct MonthSpan {
  Instant from, to;
};
MonthSpan LocalMonth(int year, unsigned month, std::string_view zone);
// The month in `zone` that contains `instant`.
MonthSpan LocalMonthOf(Instant instant, std::string_view zone);

// True if `zone` names a zone in the OS tz database.
bool IsKnownTimeZone(std::string_view zone);

// Local -> instant, with the gap/overlap rules above.
Instant ToInstant(LocalTime local, std::string_view zone);

// Instant -> local wall-clock time in `zone`.
LocalTime ToLocal(Instant instant, std::string_view zone);

// How a local time maps to instants: once, not at all (gap) or twice (overlap).
enum class LocalTimeKind { kUnique, kNonexistent, kAmbiguous };
LocalTimeKind ClassifyLocalTime(LocalTime local, std::string_view zone);

// UTC offset in force at `instant` in `zone`.
std::chrono::seconds UtcOffset(Instant instant, std::string_view zone);

// RFC 3339 with the zone's offset at that instant, e.g. "2026-11-23T06:00:00+01:00".
std::string FormatRfc3339(Instant instant, std::string_view zone);
// RFC 3339 in UTC, "2026-11-23T05:00:00Z".
std::string FormatRfc3339Utc(Instant instant);
// Parses RFC 3339 with "Z" or a numeric offset; fractional seconds are truncated.
// Returns nullopt on malformed input.
std::optional<Instant> ParseRfc3339(std::string_view text);

// "2026-11-23" <-> LocalTime at 00:00. ParseLocalDate returns nullopt on malformed
// input or an impossible date (2026-02-30).
std::optional<LocalTime> ParseLocalDate(std::string_view text);
std::string FormatLocalDate(LocalTime t);
// "2026-11-23T08:30[:00]" <-> LocalTime.
std::optional<LocalTime> ParseLocalDateTime(std::string_view text);
std::string FormatLocalDateTime(LocalTime t);  // "2026-11-23T08:30:00"
// "08:30" -> minutes since midnight, nullopt if malformed or out of range.
std::optional<std::chrono::minutes> ParseTimeOfDay(std::string_view text);
std::string FormatTimeOfDay(std::chrono::minutes since_midnight);  // "08:30"

}  // namespace kehrbote
