// Heartbeat: plans each firm's daily control message and the operator alarm.
//
// Once per firm and local day, at or after the firm's heartbeat time (default
// 07:00 local), a message goes to the firm's heartbeat contacts (firm YAML plus
// the export header's heartbeat_contacts): the heartbeat text, or the alarm text
// when no export arrived for longer than heartbeat.alarm_after. It is written as a
// 'planned' message due at once (rule_id 'heartbeat', appointment_id = the local
// date "YYYY-MM-DD", purpose 'heartbeat' or 'alarm'), so the UNIQUE key gives one
// per firm per day even with several dispatchers.
// A configured firm that never uploaded gets no heartbeat (there is nobody known
// to tell), but it is listed, like every firm in alarm, in the operator alarm:
// one message per operator contact and day (firm_id "", rule_id 'alarm',
// appointment_id "operator-YYYY-MM-DD-<situation digest>" in the operator's zone: one alarm
// per day for each distinct set of firms and problems).
// Firm problems (a bad firm file, a failed pull or planning; FirmProblem) are
// reported the same way: in the firm's heartbeat ("Störung: ...") and, with
// file:line, in the operator alarm; a bad file that names no firm in use only
// there. A refused export (recorded on the firm by the ingest) is the firm's
// problem while its heartbeat names it ("Abgelehnte Datei: ..."): refused after
// the last applied export or less than a day ago; the operator alarm lists it
// with the file and the reason.
#pragma once

#include <optional>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/heartbeat/heartbeat_text.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/database.h"

namespace kehrbote {

struct HeartbeatResult {
  int heartbeats = 0;        // messages planned to firms (heartbeat or alarm)
  int firm_alarms = 0;       // firms whose message was an alarm
  int operator_alarms = 0;   // messages planned to operator contacts
  int skipped_contacts = 0;  // unusable heartbeat contacts
};

class Heartbeat {
 public:
  Heartbeat(Database& db, const DispatcherConfig& config);

  // Plans what is due at `now`, reporting `problems` too. Idempotent within a
  // day for the same problems.
  HeartbeatResult Run(Instant now, const std::vector<FirmProblem>& problems = {});
  // The facts the firm's message of `now` would state (for tests and `plan`).
  HeartbeatFacts Facts(const FirmConfig& firm, Instant now);
  // Fills the delivery backlog (retrying, held, stalled since) of `firm_id`.
  void AddBacklog(const std::string& firm_id, HeartbeatFacts& f);
  // Fills the messages of `firm_id` skipped in [from, to) for a missing value
  // in their text (skips of kind missing_value) and the placeholders named.
  void AddMissingValues(const std::string& firm_id, Instant from, Instant to, HeartbeatFacts& f);
  // The next instant after `now` at which some firm's heartbeat falls due.
  Instant NextDue(Instant now) const;

 private:
  // One firm's part of Run: its facts if it is in alarm, and its heartbeat
  // plan if one is due (messages, or skips of late SMS only).
  struct FirmHeartbeat {
    std::optional<HeartbeatFacts> alarm_facts;
    std::optional<AppointmentPlan> plan;
    bool alarm = false;  // the plan's text is an alarm
    int skipped_contacts = 0;
  };
  FirmHeartbeat RunFirm(const FirmConfig& firm, Instant now,
                        const std::vector<FirmProblem>& problems);
  // Adds what the firm's message states beyond the alarm check: last export's
  // size, refused file, messages today, invalid contacts, missing values.
  // `rec` is the firm's store record (null if none); f.now and f.timezone set.
  void AddMessageFacts(const FirmConfig& firm, const FirmRecord* rec, HeartbeatFacts& f);
  Database& db_;
  const DispatcherConfig& config_;
  PlanStore plans_;
  AppointmentStore appointments_;
};

// The local date of `t` in `zone`, "YYYY-MM-DD".
std::string LocalDateString(Instant t, const std::string& zone);

}  // namespace kehrbote
