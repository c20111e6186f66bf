#include "agent/app/daily_schedule.h"

#include <algorithm>
#include <stdexcept>

#include "shared/time/zoned_time.h"

namespace kehrbote {

DailySchedule::DailySchedule(std::vector<std::chrono::minutes> times, std::string zone)
    : times_(std::move(times)), zone_(std::move(zone)) {
  if (times_.empty()) throw std::invalid_argument("DailySchedule: no times");
  std::sort(times_.begin(), times_.end());
}

Instant DailySchedule::NextAfter(Instant t) const {
  LocalTime day = std::chrono::floor<std::chrono::days>(ToLocal(t, zone_));
  // Yesterday is included: a gap/overlap can shift instants across midnight.
  for (int d = -1; d <= 2; ++d) {
    for (auto m : times_) {
      Instant i = ToInstant(day + std::chrono::days(d) + m, zone_);
      if (i > t) return i;
    }
  }
  throw std::logic_error("DailySchedule: no next time");  // unreachable
}

Instant DailySchedule::LastAtOrBefore(Instant t) const {
  LocalTime day = std::chrono::floor<std::chrono::days>(ToLocal(t, zone_));
  for (int d = 1; d >= -2; --d) {
    for (auto it = times_.rbegin(); it != times_.rend(); ++it) {
      Instant i = ToInstant(day + std::chrono::days(d) + *it, zone_);
      if (i <= t) return i;
    }
  }
  throw std::logic_error("DailySchedule: no previous time");  // unreachable
}

bool DailySchedule::Missed(Instant now, std::optional<Instant> last_success) const {
  if (!last_success) return true;
  return *last_success < LastAtOrBefore(now);
}

}  // namespace kehrbote
