// Planner: which reminders and notices an appointment version gets, and when.
//
// Pure: a function of the firm's policy, the appointment version, the messages
// already stored for that appointment (any version) and the moment of planning.
// Idempotent: planning the same version twice yields the same rows (the store's
// UNIQUE key drops repeats), and rows that exist already are not planned again.
//
//   - Scheduled version: contacts are selected (contact_selection.h); per rule of
//     the contact's channel a reminder is timed (ReminderRule, QuietHours,
//     LatePolicy). Pending messages of older versions are cancelled. A contact who
//     already got a reminder for an older version with a different start gets a
//     change notice (rule "change", at once or when quiet hours end) instead of a
//     late reminder; one who got the same rule for the same start is not reminded
//     again. A reminder that goes (or went) out late takes the place of every later
//     reminder of the same contact due within late_policy.replaces_within after it
//     (skip kind duplicate, or a stored pending row withdrawn): one text, once.
//   - Cancelled version: every pending message is cancelled; contacts who already
//     got a reminder or change notice get a cancellation notice (rule
//     "cancellation"), unless the appointment has started.
//   - Same version planned again (the firm's YAML changed, so the policy
//     fingerprint did): a stored row still 'planned' for later is planned again
//     with the current rule (AppointmentPlan::replan: new due time, texts,
//     reason) or, if the rule no longer plans it (rule removed, channel changed,
//     contact no longer selected, new time not before the start), withdrawn
//     (AppointmentPlan::withdraw, set 'cancelled' with the reason). Rows sent,
//     held or already due stand.
// A message whose text lacks a value (message_text.h) is not planned: skip kind
// missing_value. Every message not planned gets a skip with its reason.
#pragma once

#include <vector>

#include "dispatcher/planning/firm_policy.h"
#include "dispatcher/planning/planned_message.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

AppointmentPlan PlanAppointment(const FirmPolicy& firm, const Appointment& appointment,
                                int64_t version, const std::vector<ExistingMessage>& existing,
                                Instant now);

}  // namespace kehrbote
