#include "shared/time/zoned_time.h"

#include <date/date.h>
#include <date/tz.h>

#include <charconv>
#include <cstdio>

#include "shared/time/zone_database.h"

namespace kehrbote {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

date::local_seconds ToDate(LocalTime t) { return date::local_seconds{t.time_since_epoch()}; }
LocalTime FromDate(date::local_seconds t) { return LocalTime{t.time_since_epoch()}; }

const date::time_zone* Zone(std::string_view zone) {
  EnsureZoneDatabase();
  try {
    return date::locate_zone(zone);
  } catch (const std::exception&) {
    throw TimeZoneError("unknown time zone '" + std::string(zone) + "'");
  }
}

// Parses exactly `n` digits at text[pos]; advances pos.
bool Digits(std::string_view text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// "YYYY-MM-DD" at pos.
std::optional<date::year_month_day> ParseYmd(std::string_view text, size_t& pos) {
  int y, m, d;
  if (!Digits(text, pos, 4, y) || !Expect(text, pos, '-') || !Digits(text, pos, 2, m) ||
      !Expect(text, pos, '-') || !Digits(text, pos, 2, d))
    return std::nullopt;
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

// "HH:MM[:SS]" at pos.
std::optional<seconds> ParseHms(std::string_view text, size_t& pos, bool seconds_optional) {
  int h, m, s = 0;
  if (!Digits(text, pos, 2, h) || !Expect(text, pos, ':') || !Digits(text, pos, 2, m))
    return std::nullopt;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!Digits(text, pos, 2, s)) return std::nullopt;
  } else if (!seconds_optional) {
    return std::nullopt;
  }
  if (h > 23 || m > 59 || s > 60) return std::nullopt;  // 60: leap second, folded below
  if (s == 60) s = 59;
  return std::chrono::hours{h} + minutes{m} + seconds{s};
}

std::string Two(long v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%02ld", v);
  return buf;
}

std::string FormatOffset(seconds off) {
  if (off == seconds{0}) return "+00:00";
  char sign = off < seconds{0} ? '-' : '+';
  long total = std::abs(static_cast<long>(off.count())) / 60;
  return std::string(1, sign) + Two(total / 60) + ":" + Two(total % 60);
}

}  // namespace

bool IsKnownTimeZone(std::string_view zone) {
  EnsureZoneDatabase();
  try {
    return date::locate_zone(zone) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

LocalTimeKind ClassifyLocalTime(LocalTime local, std::string_view zone) {
  auto info = Zone(zone)->get_info(ToDate(local));
  switch (info.result) {
    case date::local_info::unique: return LocalTimeKind::kUnique;
    case date::local_info::nonexistent: return LocalTimeKind::kNonexistent;
    default: return LocalTimeKind::kAmbiguous;
  }
}

Instant ToInstant(LocalTime local, std::string_view zone) {
  const date::time_zone* z = Zone(zone);
  date::local_seconds l = ToDate(local);
  auto info = z->get_info(l);
  switch (info.result) {
    case date::local_info::unique:
      return Instant{(l - info.first.offset).time_since_epoch()};
    case date::local_info::nonexistent:
      // Read with the offset in force before the gap: 02:30 in a 02:00->03:00 gap
      // becomes 03:30 of the new offset.
      return Instant{(l - info.first.offset).time_since_epoch()};
    default:
      // Ambiguous: the earlier instant is the one with the larger (summer) offset.
      return Instant{(l - info.first.offset).time_since_epoch()};
  }
}

MonthSpan LocalMonth(int year, unsigned month, std::string_view zone) {
  date::year_month ym{date::year(year), date::month(month)};
  date::local_seconds first{date::local_days(ym / 1)};
  date::local_seconds next{date::local_days((ym + date::months(1)) / 1)};
  return {ToInstant(FromDate(first), zone), ToInstant(FromDate(next), zone)};
}

MonthSpan LocalMonthOf(Instant instant, std::string_view zone) {
  date::year_month_day ymd(date::floor<date::days>(ToDate(ToLocal(instant, zone))));
  return LocalMonth(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), zone);
}

LocalTime ToLocal(Instant instant, std::string_view zone) {
  auto zt = date::make_zoned(Zone(zone), date::sys_seconds{instant.time_since_epoch()});
  return FromDate(zt.get_local_time());
}

seconds UtcOffset(Instant instant, std::string_view zone) {
  return Zone(zone)->get_info(date::sys_seconds{instant.time_since_epoch()}).offset;
}

std::string FormatRfc3339(Instant instant, std::string_view zone) {
  LocalTime local = ToLocal(instant, zone);
  return FormatLocalDateTime(local) + FormatOffset(UtcOffset(instant, zone));
}

std::string FormatRfc3339Utc(Instant instant) {
  return FormatLocalDateTime(LocalTime{instant.time_since_epoch()}) + "Z";
}

std::optional<Instant> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  auto ymd = ParseYmd(text, pos);
  if (!ymd) return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return std::nullopt;
  ++pos;
  auto hms = ParseHms(text, pos, false);
  if (!hms) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  seconds offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!Digits(text, pos, 2, oh) || !Expect(text, pos, ':') || !Digits(text, pos, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = sign * (std::chrono::hours{oh} + minutes{om});
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  auto local = date::sys_days{*ymd} + *hms;
  return Instant{(local - offset).time_since_epoch()};
}

std::optional<LocalTime> ParseLocalDate(std::string_view text) {
  size_t pos = 0;
  auto ymd = ParseYmd(text, pos);
  if (!ymd || pos != text.size()) return std::nullopt;
  return FromDate(date::local_days{*ymd});
}

// Formatting by hand: date::format goes through iostreams, and exports and
// the store format a date for every appointment.
std::string FormatLocalDate(LocalTime t) {
  const date::year_month_day ymd{date::floor<date::days>(ToDate(t))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<LocalTime> ParseLocalDateTime(std::string_view text) {
  size_t pos = 0;
  auto ymd = ParseYmd(text, pos);
  if (!ymd || !Expect(text, pos, 'T')) return std::nullopt;
  auto hms = ParseHms(text, pos, true);
  if (!hms || pos != text.size()) return std::nullopt;
  return FromDate(date::local_days{*ymd} + *hms);
}

std::string FormatLocalDateTime(LocalTime t) {
  const auto day = date::floor<date::days>(ToDate(t));
  const long secs = static_cast<long>((ToDate(t) - day).count());
  char buf[64];
  std::snprintf(buf, sizeof buf, "T%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
  return FormatLocalDate(LocalTime{day.time_since_epoch()}) + buf;
}

std::optional<minutes> ParseTimeOfDay(std::string_view text) {
  size_t pos = 0;
  int h, m;
  if (!Digits(text, pos, 2, h) || !Expect(text, pos, ':') || !Digits(text, pos, 2, m) ||
      pos != text.size() || h > 23 || m > 59)
    return std::nullopt;
  return std::chrono::hours{h} + minutes{m};
}

std::string FormatTimeOfDay(minutes since_midnight) {
  long m = since_midnight.count();
  return Two(m / 60) + ":" + Two(m % 60);
}

}  // namespace kehrbote
