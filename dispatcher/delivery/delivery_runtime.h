// DeliveryRuntime: the delivery side of a dispatcher process, built from the
// config: SMS channel (Kannel or REST provider), SMTP channel (with the .ics of
// the appointment from the store), the Outbox, and the HTTP listener for
// receipts and replies. The app's `once` and `run` commands use it as their
// sender; crash recovery runs once before the first send. With `metrics`, each
// channel attempt is counted (CountingChannel) and the HTTP listener serves
// GET /metrics: the process's counters and the store's figures.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/http/delivery_http_server.h"
#include "dispatcher/metrics/dispatcher_metrics.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/store/database.h"
#include "shared/log/logger.h"
#include "shared/time/clock.h"

namespace kehrbote {

class DeliveryRuntime {
 public:
  DeliveryRuntime(const DispatcherConfig& config, Database& db, const Clock& clock,
                  Logger& logger = Logger::Default(), DispatcherMetrics* metrics = nullptr);
  ~DeliveryRuntime();

  // Runs the "delivery" migrations.
  void Migrate();
  // Sends what is due at `now` (recovering interrupted sends first, once);
  // returns what became of the messages claimed, with the failure reasons.
  SendCounts SendDue(Instant now);
  // Starts the HTTP listener if http.port is set.
  void StartHttp();
  // Runs `replace`, which changes config.firms, while neither the HTTP
  // listener's threads nor SendDue read them (the firm files were read again).
  void ReplaceFirms(const std::function<void()>& replace);

 private:
  const DispatcherConfig& config_;
  Database& db_;
  Clock& clock_;
  Log log_;
  DispatcherMetrics* metrics_;
  std::unique_ptr<MessageChannel> sms_, mail_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<DeliveryHttpServer> http_;
  bool recovered_ = false;
  std::mutex mu_;
  // config_.firms: shared by the HTTP listener's threads and SendDue (which the
  // run loop calls on its delivery lane), exclusive for ReplaceFirms.
  std::shared_mutex firms_mu_;
};

}  // namespace kehrbote
