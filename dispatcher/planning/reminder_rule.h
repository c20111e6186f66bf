// ReminderRule: when a reminder for one appointment is due.
//
// A rule is one line of a firm's reminder plan, e.g. "SMS 1 day before",
// "e-mail 2 days before at 18:00" or "SMS Saturday 20:00 before". The send time
// is computed from the appointment's earliest local start (AppointmentStart::
// Earliest()) in the firm's zone:
//   - lead only: the lead as written. The days of it ("1d", the 1d of "1d12h")
//     are calendar days in local time (1d before 08:00 is 08:00 the day before,
//     also across a DST change); hours and minutes ("24h", "12h", "90m") are
//     elapsed time on the UTC time line, so "24h" before Sunday 10:00 CEST on the
//     day of the spring change is Saturday 09:00 CET, not 10:00.
//   - lead + at: the local date `lead` days before the start, at `at` ("1 day
//     before at 18:00"); the lead must then be whole days.
//   - weekday + at: the latest such local moment that is at least `lead` (default 0)
//     before the start ("Saturday 20:00 before").
// An appointment with only a date (no time, no window start: "some time that
// day") has no hour to count back from. A lead-only rule then goes out on the
// local date `lead` (rounded up to whole days) before the appointment's date, at
// the firm's `date_only_time` (default 10:00): lead 1d -> the day before at 10:00,
// lead 2h -> the day before at 10:00. Rules with `at` or `weekday` fix their own
// time of day and count from the date as usual.
// Then, as AkuWinOffice does, the time is rounded DOWN to a quarter hour of local
// time (14:10 -> 14:00) unless `round_to_quarter_hour` is false.
// Pure: no clock, no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shared/export/export_model.h"
#include "shared/time/clock.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

struct ReminderRule {
  std::string name;  // unique within a firm; becomes messages.rule_id
  ContactChannel channel = ContactChannel::kSms;
  // The whole lead, and the part of it written in days (`lead_days` <= `lead`):
  // "1d" is {24h, 1d}, "24h" is {24h, 0d}, "1d12h" is {36h, 1d}.
  std::chrono::seconds lead{0};
  std::chrono::days lead_days{0};
  std::optional<std::chrono::minutes> at;         // fixed local time of day
  std::optional<std::chrono::weekday> weekday;    // requires `at`
  bool round_to_quarter_hour = true;

  // Empty if the rule is consistent, else what is wrong (for config errors).
  std::string Validate() const;

  // The instant the reminder is due for an appointment starting at local
  // `start` in `zone`. May be at or after the start for odd rules (lead 0);
  // the planner checks that.
  Instant SendTime(LocalTime start, std::string_view zone) const;
  // The same for an appointment's start; a date-only start of a lead-only rule
  // is sent at `date_only_time` (see above).
  Instant SendTime(const AppointmentStart& start, std::string_view zone,
                   std::chrono::minutes date_only_time) const;
  // Whether `start` is timed by `date_only_time` under this rule.
  bool UsesDateOnlyTime(const AppointmentStart& start) const;

  // Human-readable, for reasons: "1d before", "1d before at 18:00",
  // "Saturday 20:00 before".
  std::string Describe() const;
};

// "1d", "2h", "1d12h", "90m" (a duration in configs and reasons).
std::string FormatLead(std::chrono::seconds lead);
// A rule's lead as written: "24h" stays "24h", "1d12h" stays "1d12h".
std::string FormatLead(std::chrono::seconds lead, std::chrono::days lead_days);
// The part of a written lead given in days: "1d12h" -> 1d, "36h" -> 0d (the text
// is a valid duration, e.g. checked by ConfigNode::Duration).
std::chrono::days LeadDaysAsWritten(std::string_view written);
// English weekday names ("saturday", "Sat" and German "Samstag", "Sa" accepted).
std::optional<std::chrono::weekday> ParseWeekday(std::string_view text);
std::string_view WeekdayName(std::chrono::weekday wd);  // "Saturday"

// Local time floored to the quarter hour, applied on the UTC time line so that a
// time in the repeated hour of a DST overlap stays in its own occurrence.
Instant FloorToQuarterHour(Instant t, std::string_view zone);

}  // namespace kehrbote
