// DailySchedule: the agent's daily export times, local to the firm's zone.
//
// Times are converted with shared/time/zoned_time.h, so a time inside the spring
// DST gap runs as many minutes after the gap as it was after its start, and a
// time in the autumn overlap runs once, at the earlier instant.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "shared/time/clock.h"

namespace kehrbote {

class DailySchedule {
 public:
  // `times`: minutes since local midnight, non-empty. `zone`: IANA name.
  DailySchedule(std::vector<std::chrono::minutes> times, std::string zone);

  // The first scheduled instant strictly after `t`.
  Instant NextAfter(Instant t) const;
  // The last scheduled instant at or before `t`.
  Instant LastAtOrBefore(Instant t) const;
  // True if a run was due since the last success: the machine was off (or the
  // agent stopped) at the last scheduled time. No success at all counts as missed.
  bool Missed(Instant now, std::optional<Instant> last_success) const;

 private:
  std::vector<std::chrono::minutes> times_;
  std::string zone_;
};

}  // namespace kehrbote
