// QuietHours: the local hours of a firm in which no message is sent.
//
// Default 20:00-08:00. The quiet period is the open interval (from, to): a message
// at exactly 20:00 or exactly 08:00 is allowed. A period may wrap midnight
// (from > to) or lie within one day (from < to); from == to means no quiet hours.
// A send time inside the period moves EARLIER, to the end of the last allowed
// window before it, i.e. to `from` on the day the period began (a reminder due at
// 06:00 goes out at 20:00 the evening before): early is better than late.
// Pure: no clock, no I/O; DST-correct through shared/time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "shared/time/clock.h"

namespace kehrbote {

struct QuietHours {
  std::chrono::minutes from{20 * 60};
  std::chrono::minutes to{8 * 60};

  bool enabled() const { return from != to; }
  bool Contains(Instant t, std::string_view zone) const;
  // `t` if it is allowed, else the start (`from`) of the quiet period holding it.
  Instant MoveEarlier(Instant t, std::string_view zone) const;
  // `t` if it is allowed, else the end (`to`) of the quiet period holding it.
  Instant MoveLater(Instant t, std::string_view zone) const;
  std::string Describe() const;  // "20:00-08:00"
};

}  // namespace kehrbote
