#include "dispatcher/message/message_purpose.h"

#include "dispatcher/message/stored_name.h"

namespace kehrbote {

std::string_view ToString(MessagePurpose purpose) {
  switch (purpose) {
    case MessagePurpose::kReminder:
      return "reminder";
    case MessagePurpose::kChange:
      return "change";
    case MessagePurpose::kCancellation:
      return "cancellation";
    case MessagePurpose::kHeartbeat:
      return "heartbeat";
    case MessagePurpose::kAlarm:
      return "alarm";
    case MessagePurpose::kConfirmation:
      return "confirmation";
    case MessagePurpose::kForward:
      return "forward";
    case MessagePurpose::kManual:
      return "manual";
  }
  return "?";
}

MessagePurpose ParseMessagePurpose(std::string_view name) {
  return stored_name::Parse<MessagePurpose>("message purpose", name, kAllMessagePurposes);
}

}  // namespace kehrbote
