#include "shared/time/clock.h"

namespace kehrbote {

Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::chrono::nanoseconds SystemClock::Until(Instant at) const {
  return at - std::chrono::system_clock::now();
}

Instant ManualClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void ManualClock::Set(Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = now;
}

void ManualClock::Advance(std::chrono::seconds by) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += by;
}

}  // namespace kehrbote
