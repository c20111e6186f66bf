// VirtualClock: virtual time that a loop can also wait on, for tests.
//
// A ManualClock (clock.h) answers Now(); a VirtualClock also rings alarms: a loop
// that sleeps until its next wake-up (ServiceLoop) asks the clock to ring it at
// that instant (RingAt) instead of arming a real timer. The test moves the clock
// and the loop wakes; no real time passes. AwaitAlarm is the test's
// synchronisation point: once an alarm is pending, the loop has finished its work
// and waits.
//
// Thread-safe. Alarms ring on the thread that moves the clock (Set, Advance),
// after the clock moved and outside its lock, in time order; RingAt for an instant
// already reached rings at once on the caller's thread. An alarm that is never
// reached is kept until the clock is destroyed, so a ring must stay harmless
// after its owner has gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "shared/time/clock.h"

namespace kehrbote {

class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Instant now) : now_(now) {}
  Instant Now() const override;
  void Set(Instant now);
  void Advance(std::chrono::seconds by);

  // Calls `ring` once when the clock reaches `at`.
  void RingAt(Instant at, std::function<void()> ring);
  // Waits up to `timeout` (real time) until an alarm is pending; returns the
  // earliest pending one, nullopt if none was set in time.
  std::optional<Instant> AwaitAlarm(std::chrono::milliseconds timeout) const;

 private:
  void RingDue(std::unique_lock<std::mutex> lock);

  mutable std::mutex mu_;
  mutable std::condition_variable alarm_set_;
  Instant now_;
  std::multimap<Instant, std::function<void()>> alarms_;
};

}  // namespace kehrbote
