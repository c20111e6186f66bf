#include "dispatcher/message/message_state.h"

#include "dispatcher/message/stored_name.h"

namespace kehrbote {

std::string_view ToString(MessageState state) {
  switch (state) {
    case MessageState::kPlanned:
      return "planned";
    case MessageState::kSending:
      return "sending";
    case MessageState::kAccepted:
      return "accepted";
    case MessageState::kHeld:
      return "held";
    case MessageState::kDelivered:
      return "delivered";
    case MessageState::kFailed:
      return "failed";
    case MessageState::kExpired:
      return "expired";
    case MessageState::kCancelled:
      return "cancelled";
  }
  return "?";
}

MessageState ParseMessageState(std::string_view name) {
  return stored_name::Parse<MessageState>("message state", name, kAllMessageStates);
}

bool IsPending(MessageState state) {
  return state == MessageState::kPlanned || state == MessageState::kHeld;
}

bool MayHaveReachedContact(MessageState state) {
  return state == MessageState::kSending || state == MessageState::kAccepted ||
         state == MessageState::kDelivered;
}

bool IsFinal(MessageState state) {
  return state == MessageState::kDelivered || state == MessageState::kFailed ||
         state == MessageState::kExpired || state == MessageState::kCancelled;
}

}  // namespace kehrbote
