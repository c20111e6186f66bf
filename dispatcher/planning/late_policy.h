// LatePolicy and the timing decision for one reminder.
//
// An appointment may reach the dispatcher after its reminder was due (it was
// booked at short notice, or the export came late). The firm chooses:
//   - kSendIfTimeRemains (default, min_remaining 2h): send at once if at least
//     `min_remaining` remain before the appointment, else skip with the reason;
//   - kSkip: never send a reminder late.
// Nothing is ever planned at or after the appointment start (the deadline).
// A reminder sent late takes the place of every later reminder of the same
// contact whose time lies within `replaces_within` (default 12 h) of it: all
// rules of a channel share one text, and the customer must not read the same
// reminder twice in one day (the late "2 days before" at 08:00, then the
// "1 day before" at 09:00). The planner drops those with a reason.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "dispatcher/planning/quiet_hours.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct LatePolicy {
  enum class Action { kSendIfTimeRemains, kSkip };
  Action action = Action::kSendIfTimeRemains;
  std::chrono::seconds min_remaining{std::chrono::hours{2}};
  std::chrono::seconds replaces_within{std::chrono::hours{12}};
  std::string Describe() const;  // "send if >= 2h remain" | "skip"
};

// The outcome of timing one message.
struct Timing {
  bool send = false;
  bool late = false;  // sent because the late policy allows it (see above)
  Instant due{};
  std::string reason;  // why this due time, or why skipped
};

// Decides when a message whose rule computed `scheduled` goes out:
// quiet hours move it earlier; if that is before `now` (the moment of planning),
// the late policy applies, and a late message that would go out inside quiet
// hours waits for their end (if enough time remains then).
// `rule_text` describes the rule for the reason ("1d before").
Timing DecideTiming(Instant scheduled, Instant deadline, Instant now, const QuietHours& quiet,
                    const LatePolicy& late, std::string_view zone, std::string_view rule_text);

// "2026-11-23 18:00 Europe/Vienna" style local rendering used in reasons.
std::string FormatLocalForReason(Instant t, std::string_view zone);

}  // namespace kehrbote
