// MessageState: where a row of the `messages` table stands (its `state` column).
//
// Stored as the lower-case names below, exactly the strings the store held
// before this type existed, so existing SQLite and PostgreSQL stores read
// unchanged (no data migration). Which state may follow which, and who may make
// the move: message_transition.h. A new row always starts `planned`.
//
//   planned    waits for its due time (or next attempt); may still be cancelled
//   sending    claimed by an outbox; its request may be on the wire
//   accepted   the gateway / mail host took it; a receipt may still come
//   held       SMS quota of the month reached; released when there is room
//   delivered  final: the receipt said delivered
//   failed     final: permanent error or a failure receipt
//   expired    final: its deadline (the appointment start) passed unsent
//   cancelled  final: withdrawn, superseded, suppressed, or sent by e-mail instead
//
// Pure functions; safe from any thread.
#pragma once

#include <array>
#include <string_view>

namespace kehrbote {

enum class MessageState {
  kPlanned,
  kSending,
  kAccepted,
  kHeld,
  kDelivered,
  kFailed,
  kExpired,
  kCancelled,
};

inline constexpr std::array<MessageState, 8> kAllMessageStates = {
    MessageState::kPlanned, MessageState::kSending,   MessageState::kAccepted,
    MessageState::kHeld,    MessageState::kDelivered, MessageState::kFailed,
    MessageState::kExpired, MessageState::kCancelled};

// The stored name: "planned", "sending", ...
std::string_view ToString(MessageState state);

// The state of a stored name. Throws MessageValueError naming `name` for
// anything else (never a default: an unknown state is a store this build does
// not understand).
MessageState ParseMessageState(std::string_view name);

// Pending: not yet handed to a channel, may still be cancelled (planned, held).
bool IsPending(MessageState state);
// Reached, or may have reached, the contact (sending, accepted, delivered).
bool MayHaveReachedContact(MessageState state);
// No move leaves it (delivered, failed, expired, cancelled).
bool IsFinal(MessageState state);

}  // namespace kehrbote
