#include "dispatcher/planning/quiet_hours.h"

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::seconds;

}  // namespace

bool QuietHours::Contains(Instant t, std::string_view zone) const {
  if (!enabled()) return false;
  const LocalTime local = ToLocal(t, zone);
  const seconds s = local - floor<days>(local);
  if (from > to) return s > from || s < to;
  return s > from && s < to;
}

Instant QuietHours::MoveEarlier(Instant t, std::string_view zone) const {
  if (!Contains(t, zone)) return t;
  const LocalTime local = ToLocal(t, zone);
  LocalTime day = floor<days>(local);
  // In the morning part of a period that wrapped midnight, it began yesterday.
  if (from > to && local - day < to) day -= days{1};
  return ToInstant(day + from, zone);
}

Instant QuietHours::MoveLater(Instant t, std::string_view zone) const {
  if (!Contains(t, zone)) return t;
  const LocalTime local = ToLocal(t, zone);
  LocalTime day = floor<days>(local);
  // In the evening part of a period that wraps midnight, it ends tomorrow.
  if (from > to && local - day > from) day += days{1};
  return ToInstant(day + to, zone);
}

std::string QuietHours::Describe() const {
  if (!enabled()) return "none";
  return FormatTimeOfDay(from) + "-" + FormatTimeOfDay(to);
}

}  // namespace kehrbote
