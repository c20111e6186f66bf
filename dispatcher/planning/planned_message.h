// The planner's output rows, and what it needs to know about rows already stored.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/message/message_purpose.h"
#include "dispatcher/message/message_state.h"
#include "dispatcher/planning/contact_selection.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

// Reserved rule ids (messages.rule_id) besides the firm's rule names.
inline constexpr std::string_view kRuleChange = "change";
inline constexpr std::string_view kRuleCancellation = "cancellation";
inline constexpr std::string_view kRuleHeartbeat = "heartbeat";
inline constexpr std::string_view kRuleAlarm = "alarm";
// rule_id of skips that concern a contact rather than one rule.
inline constexpr std::string_view kRuleContact = "contact";

// One row for the `messages` table, state 'planned'.
struct PlannedMessage {
  int64_t id = 0;  // AppointmentPlan::replan only: the stored row to update
  std::string firm_id;
  std::string appointment_id;  // '' never for appointments; the local date for heartbeats
  int64_t appointment_version = 0;
  std::string rule_id;
  MessagePurpose purpose = MessagePurpose::kReminder;
  ContactChannel channel = ContactChannel::kSms;
  std::string contact_key;  // E.164 or lower-case e-mail: part of the UNIQUE key
  std::string recipient;
  std::string sender;
  std::string subject;  // e-mail only
  std::string body;     // SMS: already encoded by the firm's policy
  int segments = 0;     // SMS parts; 0 for e-mail
  Instant due{};
  Instant deadline{};   // nothing is sent at or after it
  std::string reason;   // why it is planned at `due`
};

// One row for the `skips` table.
struct PlannedSkip {
  std::string firm_id;
  std::string appointment_id;
  int64_t appointment_version = 0;
  std::string rule_id;  // a rule name, "change", "cancellation" or "contact"
  ContactChannel channel = ContactChannel::kSms;
  std::string contact;  // masked
  SkipKind kind = SkipKind::kNoConsent;
  std::string reason;
};

// A message of this appointment that is already in the store (any version).
struct ExistingMessage {
  int64_t id = 0;
  int64_t appointment_version = 0;
  std::string rule_id;
  MessagePurpose purpose = MessagePurpose::kReminder;
  ContactChannel channel = ContactChannel::kSms;
  std::string contact_key;
  std::string recipient;
  MessageState state = MessageState::kPlanned;
  Instant deadline{};   // the appointment start of that version
  Instant due{};        // when it is (was) due

  // Pending: may still be cancelled (not yet handed to a channel).
  bool pending() const { return IsPending(state); }
  // Reached (or may have reached) the contact.
  bool sent() const { return MayHaveReachedContact(state); }
};

// What to do for one appointment version.
struct AppointmentPlan {
  std::vector<PlannedMessage> messages;
  std::vector<int64_t> cancel;   // ids of pending messages to set 'cancelled'
  std::string cancel_reason;     // stored as last_error of the cancelled rows
  // Pending messages of this version that the firm's current policy no longer
  // plans (rule removed from the YAML, its channel changed, contact no longer
  // selected, new time not before the appointment): set 'cancelled' with the reason.
  std::vector<std::pair<int64_t, std::string>> withdraw;
  // Pending messages of this version planned again with the current policy (a
  // rule's lead or time changed, new texts): the stored row (`id`) gets the new
  // due time, deadline, texts and reason, if it is still 'planned' and untried.
  std::vector<PlannedMessage> replan;
  std::vector<PlannedSkip> skips;
};

}  // namespace kehrbote
