// ServiceLoop: the `run` command's real-time loop on Boost.Asio.
//
// One steady_timer wakes the loop for whichever comes first: the next inbox poll
// (poll_interval), the next planned message falling due, or the next heartbeat.
// Nothing polls the store every second. The first pass is a full one (plans every
// appointment that has not started, repairing a crash between ingest and
// planning); later passes plan what the pull reports changed. Before each pass
// the loop calls the before-pass hook (`run` reads changed firm files there); a
// pass after a hook that reports a change is full, so changed rules and texts
// are planned at once.
//
// Time: the loop reads and waits on its clock. On a Clock (the real one) it waits
// on an Asio steady_timer; on a VirtualClock (tests) it asks the clock to ring it
// at the wake-up instead, so a test moves the clock to the next wake-up
// (VirtualClock::AwaitAlarm tells which, once the pass is done) and no real time
// passes.
//
// Signals: main() blocks SIGINT/SIGTERM/SIGQUIT before any thread starts; a
// dedicated thread takes them (Env::WaitForTerminationSignal) and stops the
// io_context, so the current pass finishes and the loop returns cleanly.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <ostream>
#include <thread>

#include "dispatcher/app/dispatcher_app.h"
#include "shared/time/clock.h"
#include "shared/time/virtual_clock.h"

namespace kehrbote {

class ServiceLoop {
 public:
  // Real time: waits on a steady timer.
  ServiceLoop(DispatcherApp& app, const Clock& clock, std::ostream& log)
      : app_(app), clock_(clock), log_(log) {}
  // Virtual time: `clock` rings the loop awake.
  ServiceLoop(DispatcherApp& app, VirtualClock& clock, std::ostream& log)
      : app_(app), clock_(clock), virtual_clock_(&clock), log_(log) {}

  // Runs until Stop() or SIGINT/SIGTERM (if handle_signals). Returns 0, or 1
  // if it stopped because of an error it could not recover from.
  int Run(bool handle_signals);
  // Thread-safe.
  void Stop();
  // Called on the loop's thread before each pass; returns true if the firms'
  // configuration changed. Set before Run().
  void set_before_pass(std::function<bool()> hook) { before_pass_ = std::move(hook); }

  int passes() const { return passes_.load(); }

 private:
  // One pass at `now` (polling the inboxes if `poll`); logs what it did or why it failed.
  void Pass(Instant now, bool poll);
  // When to wake next after a pass at `now`: the next poll, due message or heartbeat.
  Instant NextWake(Instant now, Instant next_poll);
  // Takes the termination signals until `done`; a signal stops the loop.
  std::thread StartSignalThread(const std::atomic<bool>& done);

  DispatcherApp& app_;
  const Clock& clock_;
  VirtualClock* virtual_clock_ = nullptr;  // set: the clock wakes the loop, no timer
  std::ostream& log_;
  std::atomic<bool> stop_{false};
  std::atomic<int> passes_{0};
  bool first_pass_ = true;      // loop thread only
  std::function<void()> wake_;  // set while running: stops the io_context
  std::function<bool()> before_pass_;
};

}  // namespace kehrbote
