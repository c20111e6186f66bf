// Clock: the one source of "now" for every time-dependent part.
//
// The core never calls std::chrono::system_clock directly; it is handed a Clock.
// Tests and the dispatcher's `--now` use a ManualClock and run in virtual time.
#pragma once

#include <chrono>
#include <mutex>

namespace kehrbote {

// An instant on the UTC time line, to the second. Same type as date::sys_seconds.
using Instant = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
  // How long until `at`, finer than a second where the clock knows better: a
  // timer armed for a message due at a whole second fires at that second, not up
  // to a second later (Now() is truncated to the second).
  virtual std::chrono::nanoseconds Until(Instant at) const { return at - Now(); }
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
  std::chrono::nanoseconds Until(Instant at) const override;
};

// Virtual time: stays where it is set. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant now) : now_(now) {}
  Instant Now() const override;
  void Set(Instant now);
  void Advance(std::chrono::seconds by);

 private:
  mutable std::mutex mu_;
  Instant now_;
};

}  // namespace kehrbote
