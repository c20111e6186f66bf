#include "dispatcher/message/message_transition.h"

namespace kehrbote {

namespace {

struct Move {
  MessageState from, to;
  MessageActor actor;
};

using S = MessageState;
using A = MessageActor;

// The table of the header comment, row for row (one move a line).
// clang-format off
constexpr Move kMoves[] = {
    {S::kPlanned, S::kPlanned, A::kPlanner},
    {S::kPlanned, S::kCancelled, A::kPlanner},
    {S::kHeld, S::kCancelled, A::kPlanner},
    {S::kPlanned, S::kSending, A::kOutbox},
    {S::kPlanned, S::kExpired, A::kOutbox},
    {S::kPlanned, S::kCancelled, A::kOutbox},
    {S::kSending, S::kAccepted, A::kOutbox},
    {S::kSending, S::kFailed, A::kOutbox},
    {S::kFailed, S::kFailed, A::kOutbox},
    {S::kSending, S::kPlanned, A::kOutbox},
    {S::kSending, S::kExpired, A::kOutbox},
    {S::kSending, S::kHeld, A::kOutbox},
    {S::kSending, S::kCancelled, A::kOutbox},
    {S::kHeld, S::kPlanned, A::kOutbox},
    {S::kHeld, S::kExpired, A::kOutbox},
    {S::kSending, S::kDelivered, A::kReceipt},
    {S::kSending, S::kFailed, A::kReceipt},
    {S::kSending, S::kExpired, A::kReceipt},
    {S::kAccepted, S::kDelivered, A::kReceipt},
    {S::kAccepted, S::kFailed, A::kReceipt},
    {S::kAccepted, S::kExpired, A::kReceipt},
    {S::kPlanned, S::kAccepted, A::kReceipt},
    {S::kPlanned, S::kDelivered, A::kReceipt},
    {S::kPlanned, S::kFailed, A::kReceipt},
    {S::kPlanned, S::kExpired, A::kReceipt},
    {S::kSending, S::kAccepted, A::kRecovery},
    {S::kSending, S::kExpired, A::kRecovery},
    {S::kSending, S::kPlanned, A::kRecovery},
};
// clang-format on

}  // namespace

std::string_view ToString(MessageActor actor) {
  switch (actor) {
    case MessageActor::kPlanner:
      return "planner";
    case MessageActor::kOutbox:
      return "outbox";
    case MessageActor::kReceipt:
      return "receipt";
    case MessageActor::kRecovery:
      return "recovery";
  }
  return "?";
}

std::optional<std::string> CheckTransition(MessageState from, MessageState to, MessageActor actor) {
  std::string allowed_for;
  for (const Move& m : kMoves) {
    if (m.from != from || m.to != to) continue;
    if (m.actor == actor) return std::nullopt;
    allowed_for += (allowed_for.empty() ? "" : ", ") + std::string(ToString(m.actor));
  }
  return std::string(ToString(actor)) + " may not move a message from '" +
         std::string(ToString(from)) + "' to '" + std::string(ToString(to)) +
         "' (allowed for: " + (allowed_for.empty() ? "nobody" : allowed_for) + ")";
}

void RequireTransition(MessageState from, MessageState to, MessageActor actor,
                       std::string_view context) {
  if (std::optional<std::string> why = CheckTransition(from, to, actor))
    throw MessageTransitionError(std::string(context) + ": " + *why);
}

}  // namespace kehrbote
