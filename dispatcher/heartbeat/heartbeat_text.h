// The daily heartbeat ("Pseudotermin") and alarm texts, in German. Pure.
//
// Like Winchim's control message to the firm's own number, the heartbeat tells
// the firm every day that reminders work: when the last export arrived, how many
// appointments it held, how many messages go out today, how many contacts were
// skipped as invalid, how many messages were not sent for a missing value in
// their text, and the last refused file. If no export arrived for longer
// than `alarm_after` (26 h by default) the text is an alarm instead
// ("Kein Export seit ..."), which also goes to the operator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "shared/time/clock.h"

namespace kehrbote {

struct HeartbeatFacts {
  std::string firm_id;
  std::string firm_name;  // may be empty: the id is used
  std::string timezone = "Europe/Vienna";
  Instant now{};
  std::optional<Instant> last_export_at;  // nullopt: never uploaded
  int last_export_appointments = 0;
  int messages_today = 0;    // reminders and notices due today (local day)
  int invalid_contacts = 0;  // contacts skipped as invalid in the last 24 h
  // Messages not planned in the last 24 h because their text lacked a value
  // (skip kind missing_value), and the placeholders named, e.g. "<<Strasse>>".
  int missing_values = 0;
  std::string missing_placeholders;
  std::optional<std::string> rejected_name;    // last refused file (since the last export)
  std::optional<std::string> rejected_reason;
  std::chrono::seconds alarm_after{std::chrono::hours{26}};
  // Delivery backlog: messages waiting because the SMS gateway or mail host
  // failed (retrying), held by the SMS quota, and since when the oldest waits.
  int64_t retrying = 0;
  int64_t held = 0;
  std::optional<Instant> stalled_since;
  std::string delivery_error;
  // Trouble beyond exports and delivery (a bad firm file, a failed planning):
  // for the firm, short German phrases ("Firmendatei huber.yaml fehlerhaft
  // (Zeile 3)"); for the operator, the messages with file:line.
  std::vector<std::string> problems;          // for the firm's text
  std::vector<std::string> problem_details;   // for the operator alarm
  // A firm file that names no firm in use: only its problem is known (firm_id
  // is the file's name), there is nobody to send a heartbeat to.
  bool file_only = false;
};

// How long a due message may wait for the gateway or mail host before the
// operator is alarmed ("Gateway or mail host down for an hour").
inline constexpr std::chrono::hours kDeliveryStallAlarm{1};

// True if messages wait longer than kDeliveryStallAlarm or are held by the quota.
bool HasDeliveryProblem(const HeartbeatFacts& f);

// True if no export arrived for longer than alarm_after (or never).
bool IsAlarm(const HeartbeatFacts& f);

// True if the firm has a problem beyond exports and delivery (see `problems`).
bool HasProblem(const HeartbeatFacts& f);

// The firm's daily message: the heartbeat or, if IsAlarm(), the alarm.
std::string HeartbeatText(const HeartbeatFacts& f);
// E-mail subject for the same message.
std::string HeartbeatSubject(const HeartbeatFacts& f);

// One line per firm in alarm for the operator's daily alarm: no export (never-
// uploaded firms say so), a stalled delivery and/or its problems.
std::string OperatorAlarmText(const std::vector<HeartbeatFacts>& firms_in_alarm, Instant now,
                              const std::string& timezone);

// "23.11.2026 06:05" in `zone`.
std::string GermanDateTime(Instant t, const std::string& zone);

}  // namespace kehrbote
