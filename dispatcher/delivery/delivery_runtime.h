// DeliveryRuntime: the delivery side of a dispatcher process, built from the
// config: SMS channel (Kannel or REST provider), SMTP channel (with the .ics of
// the appointment from the store), the Outbox, and the HTTP listener for
// receipts and replies. The app's `once` and `run` commands use it as their
// sender; crash recovery runs once before the first send.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <ostream>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/http/delivery_http_server.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

class DeliveryRuntime {
 public:
  DeliveryRuntime(const DispatcherConfig& config, Database& db, const Clock& clock,
                  std::ostream& log);
  ~DeliveryRuntime();

  // Runs the "delivery" migrations.
  void Migrate();
  // Sends what is due at `now` (recovering interrupted sends first, once);
  // returns what became of the messages claimed, with the failure reasons.
  SendCounts SendDue(Instant now);
  // Starts the HTTP listener if http.port is set.
  void StartHttp();
  // Runs `replace`, which changes config.firms, while the HTTP listener's
  // threads do not read them (the firm files were read again).
  void ReplaceFirms(const std::function<void()>& replace);

 private:
  const DispatcherConfig& config_;
  Database& db_;
  Clock& clock_;
  std::ostream& log_;
  std::unique_ptr<MessageChannel> sms_, mail_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<DeliveryHttpServer> http_;
  bool recovered_ = false;
  std::mutex mu_;
  std::mutex firms_mu_;  // config_.firms, for the HTTP listener's threads
};

}  // namespace kehrbote
