// The one transition table of message states: which state may follow which, and
// who may make the move. The code that changes a state checks its move here
// (the outbox, the receipt handler, crash recovery, the plan store); a move not
// in the table is a bug and fails with an error naming it.
//
//   from       to         actor     when
//   planned    planned    planner   re-planned (new due time, texts), only while untried
//   planned    cancelled  planner   superseded, appointment cancelled, withdrawn by policy
//   held       cancelled  planner   (the same)
//   planned    sending    outbox    claimed: due, deadline ahead, contact not suppressed
//   planned    expired    outbox    claimed after its deadline
//   planned    cancelled  outbox    claimed, but the contact is suppressed (STOP)
//   sending    accepted   outbox    the gateway / mail host took it
//   sending    failed     outbox    permanent error
//   failed     failed     outbox    a rejection receipt came before the answer: the
//                                   answer's reason is kept
//   sending    planned    outbox    transient error: retried after the backoff
//   sending    expired    outbox    transient error, no retry before the deadline
//   sending    held       outbox    SMS quota of the month reached, no e-mail address
//   sending    cancelled  outbox    SMS quota reached: sent by e-mail instead
//   held       planned    outbox    the quota has room again
//   held       expired    outbox    still held when the appointment began
//   sending    delivered  receipt   receipt "delivered" (before the gateway's answer)
//   sending    failed     receipt   receipt "failed" / SMSC reject
//   sending    expired    receipt   receipt "failed" and the SMSC says expired
//   accepted   delivered  receipt   (as from sending)
//   accepted   failed     receipt
//   accepted   expired    receipt
//   planned    accepted   receipt   only a row waiting for its receipt after a crash
//   planned    delivered  receipt     (settle_until set): any receipt proves the
//   planned    failed     receipt     gateway took it, so it is not sent again
//   planned    expired    receipt
//   sending    accepted   recovery  a receipt was recorded before the crash
//   sending    expired    recovery  left sending by a dead process, deadline passed
//   sending    planned    recovery  left sending: sent again (now or after settle_wait)
//
// Everything else is forbidden: delivered, failed (but the row above), expired and
// cancelled are final; nothing goes back to sending except by a new claim. A
// message keeping its state in an UPDATE that changes other columns (the outbox
// recording the gateway's id of a row a receipt already settled) is no move.
// docs/delivery.md shows the same table.
//
// Pure functions over a constant table; safe from any thread.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dispatcher/message/message_state.h"

namespace kehrbote {

// Who changes a message's state.
enum class MessageActor {
  kPlanner,   // the planner's writes through PlanStore (cancel, withdraw, re-plan)
  kOutbox,    // Outbox::SendDue: claims, outcomes, quota, release of held rows
  kReceipt,   // DeliveryStore::ApplyReceipt: delivery receipts from the gateway
  kRecovery,  // Outbox::RecoverInterrupted: rows a dead process left in sending
};

inline constexpr std::array<MessageActor, 4> kAllMessageActors = {
    MessageActor::kPlanner, MessageActor::kOutbox, MessageActor::kReceipt, MessageActor::kRecovery};

// "planner", "outbox", "receipt", "recovery".
std::string_view ToString(MessageActor actor);

// nullopt when `actor` may move a message from `from` to `to`; otherwise why
// not, e.g. "receipt may not move a message from 'held' to 'delivered' (allowed
// for: nobody)".
std::optional<std::string> CheckTransition(MessageState from, MessageState to, MessageActor actor);

// A move the table forbids: a bug in the code that attempted it.
class MessageTransitionError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws MessageTransitionError ("<context>: <CheckTransition's text>") when
// the move is forbidden. For code whose move is fixed: the error reaches the
// pass's caller (logged, the transaction rolled back) instead of a crash.
void RequireTransition(MessageState from, MessageState to, MessageActor actor,
                       std::string_view context);

}  // namespace kehrbote
