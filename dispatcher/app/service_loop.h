// ServiceLoop: the `run` command's real-time loop on Boost.Asio.
//
// Two lanes, each on its own thread:
//   - the planning lane: one steady_timer wakes it for whichever comes first,
//     the next inbox poll (poll_interval) or the next heartbeat; each pass pulls,
//     ingests, plans and runs the heartbeat (DispatcherApp::RunPass without its
//     send step), then pokes the delivery lane;
//   - the delivery lane (DeliveryLane): wakes when the next planned message
//     falls due and hands what is due to the sender, also while a pass runs.
// Nothing polls the store every second. Each timer is armed after the work it
// follows, for the instant it waits for (Clock::Until), so a long pass does
// not make the next wake-up late. The first pass is a full one (plans every
// appointment that has not started, repairing a crash between ingest and
// planning); later passes plan what the pull reports changed. Before each pass
// the loop calls the before-pass hook (`run` reads changed firm files there); a
// pass after a hook that reports a change is full, so changed rules and texts
// are planned at once.
//
// Time: the loop reads and waits on its clock. On a Clock (the real one) it waits
// on an Asio steady_timer; on a VirtualClock (tests) it asks the clock to ring it
// at the wake-up instead, so a test moves the clock to the next wake-up
// (VirtualClock::AwaitAlarm(timeout, kLanes) tells which, once both lanes are
// done) and no real time passes.
//
// Signals: main() blocks SIGINT/SIGTERM/SIGQUIT before any thread starts; a
// dedicated thread takes them (Env::WaitForTerminationSignal) and stops the
// io_context, so the current pass finishes and the loop returns cleanly.
//
// Logging: the shared logger (component "service"): a line per pass that did
// something, one per firm whose pull or planning failed (with its firm id).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "dispatcher/app/delivery_lane.h"
#include "dispatcher/app/dispatcher_app.h"
#include "shared/log/logger.h"
#include "shared/time/clock.h"
#include "shared/time/virtual_clock.h"

namespace kehrbote {

class ServiceLoop {
 public:
  // Alarms a VirtualClock holds while the loop waits: one per lane.
  static constexpr std::size_t kLanes = 2;

  // Real time: waits on a steady timer.
  ServiceLoop(DispatcherApp& app, const Clock& clock, Logger& logger = Logger::Default())
      : ServiceLoop(app, clock, nullptr, logger) {}
  // Virtual time: `clock` rings the loop awake.
  ServiceLoop(DispatcherApp& app, VirtualClock& clock, Logger& logger = Logger::Default())
      : ServiceLoop(app, clock, &clock, logger) {}

  // Runs until Stop() or SIGINT/SIGTERM (if handle_signals). Returns 0, or 1
  // if it stopped because of an error it could not recover from. Once per loop.
  int Run(bool handle_signals);
  // Thread-safe.
  void Stop();
  // Called on the loop's thread before each pass; returns true if the firms'
  // configuration changed. Set before Run().
  void set_before_pass(std::function<bool()> hook) { before_pass_ = std::move(hook); }
  // Called on the loop's thread after each pass that did not fail (`run`
  // records its figures for /metrics there). Set before Run().
  void set_after_pass(std::function<void(const PassResult&)> hook) {
    after_pass_ = std::move(hook);
  }

  int passes() const { return passes_.load(); }
  // How often the delivery lane woke and sent what was due.
  int sends() const { return lane_.wakes(); }

 private:
  ServiceLoop(DispatcherApp& app, const Clock& clock, VirtualClock* virtual_clock,
              Logger& logger);
  // One pass at `now` (polling the inboxes if `poll`); logs what it did or why it failed.
  void Pass(Instant now, bool poll);
  // When to wake next after a pass at `now`: the next poll or heartbeat.
  Instant NextWake(Instant now, Instant next_poll);
  // Takes the termination signals until `done`; a signal stops the loop.
  std::thread StartSignalThread(const std::atomic<bool>& done);

  DispatcherApp& app_;
  const Clock& clock_;
  VirtualClock* virtual_clock_ = nullptr;  // set: the clock wakes the loop, no timer
  Log log_;
  std::atomic<bool> stop_{false};
  std::atomic<int> passes_{0};
  bool first_pass_ = true;      // loop thread only
  std::function<void()> wake_;  // set while running: stops the io_context
  std::function<bool()> before_pass_;
  std::function<void(const PassResult&)> after_pass_;
  DeliveryLane lane_;  // last: its thread uses the members above
};

}  // namespace kehrbote
