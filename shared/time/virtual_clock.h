// VirtualClock: virtual time that a loop can also wait on, for tests.
//
// A ManualClock (clock.h) answers Now(); a VirtualClock also rings alarms: a loop
// that sleeps until its next wake-up (ServiceLoop) asks the clock to ring it at
// that instant (RingAt) instead of arming a real timer. The test moves the clock
// and the loop wakes; no real time passes. AwaitAlarm is the test's
// synchronisation point: once an alarm is pending, the loop has finished its work
// and waits.
//
// A loop with several lanes (ServiceLoop's planning and delivery lanes) keeps
// one alarm per idle lane and cancels an alarm it moves; a test then awaits as
// many pending alarms as the loop has lanes.
//
// Thread-safe. Alarms ring on the thread that moves the clock (Set, Advance),
// after the clock moved and outside its lock, in time order; RingAt for an instant
// already reached rings at once on the caller's thread. An alarm that is never
// reached is kept until the clock is destroyed, so a ring must stay harmless
// after its owner has gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

  // Identifies a pending alarm; 0 is none.
  using AlarmId = std::uint64_t;

  // Calls `ring` once when the clock reaches `at`. Returns the alarm's id, or 0
  // if `at` was reached already (then it rang before RingAt returned).
  AlarmId RingAt(Instant at, std::function<void()> ring);
  // The alarm will not ring; an alarm rung or cancelled before is ignored.
  void Cancel(AlarmId id);
  // Waits up to `timeout` (real time) until at least `pending` alarms are
  // pending; returns the earliest pending one, nullopt if they were not set in time.
  std::optional<Instant> AwaitAlarm(std::chrono::milliseconds timeout,
                                    std::size_t pending = 1) const;

 private:
  void RingDue(std::unique_lock<std::mutex> lock);

  mutable std::mutex mu_;
  mutable std::condition_variable alarm_set_;
  Instant now_;
  struct Alarm {
    AlarmId id;
    std::function<void()> ring;
  };
  std::multimap<Instant, Alarm> alarms_;
  AlarmId last_id_ = 0;
};

}  // namespace kehrbote
