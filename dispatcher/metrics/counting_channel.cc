#include "dispatcher/metrics/counting_channel.h"

namespace kehrbote {

SendOutcome CountingChannel::Send(const OutgoingMessage& message) {
  try {
    SendOutcome outcome = inner_->Send(message);
    metrics_.RecordSend(provider_, channel_, outcome.status);
    return outcome;
  } catch (...) {
    metrics_.RecordSend(provider_, channel_, SendStatus::kTransient);
    throw;
  }
}

}  // namespace kehrbote
