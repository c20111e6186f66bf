// CountingChannel: a MessageChannel that counts every attempt of the channel it
// wraps in DispatcherMetrics (kehrbote_sends_total by provider, channel and
// outcome), so that sends and failures per provider need nothing in the
// channels themselves. A Send that throws counts as transient and rethrows.
// Threads: as the wrapped channel (the metrics are thread-safe).
#pragma once

#include <memory>
#include <string>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/metrics/dispatcher_metrics.h"

namespace kehrbote {

class CountingChannel final : public MessageChannel {
 public:
  // `provider`: "kannel", "http" or "smtp"; `channel`: "sms" or "email".
  CountingChannel(std::unique_ptr<MessageChannel> inner, std::string provider, std::string channel,
                  DispatcherMetrics& metrics)
      : inner_(std::move(inner)),
        provider_(std::move(provider)),
        channel_(std::move(channel)),
        metrics_(metrics) {}

  SendOutcome Send(const OutgoingMessage& message) override;

 private:
  std::unique_ptr<MessageChannel> inner_;
  std::string provider_, channel_;
  DispatcherMetrics& metrics_;
};

}  // namespace kehrbote
