#include "dispatcher/planning/late_policy.h"

#include "dispatcher/planning/reminder_rule.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using std::chrono::seconds;

std::string Remaining(seconds s) {
  if (s < std::chrono::minutes{1}) return "less than a minute";
  return FormatLead(std::chrono::duration_cast<std::chrono::minutes>(s));
}

}  // namespace

std::string LatePolicy::Describe() const {
  if (action == Action::kSkip) return "skip";
  return "send if >= " + FormatLead(min_remaining) + " remain";
}

std::string FormatLocalForReason(Instant t, std::string_view zone) {
  std::string s = FormatLocalDateTime(ToLocal(t, zone));  // 2026-11-23T18:00:00
  s[10] = ' ';
  return s.substr(0, 16);
}

Timing DecideTiming(Instant scheduled, Instant deadline, Instant now, const QuietHours& quiet,
                    const LatePolicy& late, std::string_view zone, std::string_view rule_text) {
  Timing out;
  Instant due = quiet.MoveEarlier(scheduled, zone);
  std::string why = std::string(rule_text);
  if (due != scheduled)
    why += ", moved from " + FormatLocalForReason(scheduled, zone).substr(11) + " to " +
           FormatLocalForReason(due, zone).substr(11) + " (quiet hours " + quiet.Describe() + ")";
  if (due >= deadline) {
    out.reason = "not sent: " + why + " is not before the appointment";
    return out;
  }
  if (due >= now) {
    out.send = true;
    out.due = due;
    out.reason = why;
    return out;
  }
  // Late: the reminder time has passed already.
  const std::string was = "reminder time " + FormatLocalForReason(due, zone) + " (" + why +
                          ") had passed when the appointment arrived";
  if (now >= deadline) {
    out.reason = "not sent: appointment already started; " + was;
    return out;
  }
  if (late.action == LatePolicy::Action::kSkip) {
    out.reason = "not sent: " + was + " (late policy: skip)";
    return out;
  }
  const Instant at = quiet.MoveLater(now, zone);
  const seconds remaining = deadline - at;
  if (remaining < late.min_remaining) {
    out.reason = "not sent: " + was + "; only " + Remaining(deadline > at ? remaining : seconds{0}) +
                 " remain" + (at != now ? " after quiet hours" : "") + " (late policy: " +
                 late.Describe() + ")";
    return out;
  }
  out.send = true;
  out.late = true;
  out.due = at;
  out.reason = "late: " + was + "; " + (at == now ? "sent at once" : "sent when quiet hours end") +
               ", " + Remaining(remaining) + " before the appointment";
  return out;
}

}  // namespace kehrbote
