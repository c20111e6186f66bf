// MessagePurpose: why a message exists (the `messages.purpose` column).
//
// Stored as the lower-case names below, the strings the store held before this
// type existed (no data migration). Pure functions; safe from any thread.
//
//   reminder      a firm rule's reminder of an appointment (planner)
//   change        the appointment moved (planner)
//   cancellation  the appointment was cancelled (planner)
//   heartbeat     the daily "dispatcher is alive" message to the firm (heartbeat)
//   alarm         an operator alarm to the firm's heartbeat contacts (heartbeat)
//   confirmation  the answer to a STOP reply (reply handler; sent even when suppressed)
//   forward       a customer's reply forwarded to the firm by e-mail (reply handler)
//   manual        a message the firm wrote in the portal (manual send)
#pragma once

#include <array>
#include <string_view>

namespace kehrbote {

enum class MessagePurpose {
  kReminder,
  kChange,
  kCancellation,
  kHeartbeat,
  kAlarm,
  kConfirmation,
  kForward,
  kManual,
};

inline constexpr std::array<MessagePurpose, 8> kAllMessagePurposes = {
    MessagePurpose::kReminder,  MessagePurpose::kChange, MessagePurpose::kCancellation,
    MessagePurpose::kHeartbeat, MessagePurpose::kAlarm,  MessagePurpose::kConfirmation,
    MessagePurpose::kForward,   MessagePurpose::kManual};

// The stored name: "reminder", "change", ...
std::string_view ToString(MessagePurpose purpose);

// The purpose of a stored name. Throws MessageValueError naming `name` for
// anything else.
MessagePurpose ParseMessagePurpose(std::string_view name);

}  // namespace kehrbote
