#include "shared/time/virtual_clock.h"

#include <utility>
#include <vector>

namespace kehrbote {

Instant VirtualClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void VirtualClock::Set(Instant now) {
  std::unique_lock<std::mutex> lock(mu_);
  now_ = now;
  RingDue(std::move(lock));
}

void VirtualClock::Advance(std::chrono::seconds by) {
  std::unique_lock<std::mutex> lock(mu_);
  now_ += by;
  RingDue(std::move(lock));
}

VirtualClock::AlarmId VirtualClock::RingAt(Instant at, std::function<void()> ring) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (at > now_) {
      const AlarmId id = ++last_id_;
      alarms_.emplace(at, Alarm{id, std::move(ring)});
      alarm_set_.notify_all();
      return id;
    }
  }
  ring();
  return 0;
}

void VirtualClock::Cancel(AlarmId id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = alarms_.begin(); it != alarms_.end(); ++it) {
    if (it->second.id == id) {
      alarms_.erase(it);
      return;
    }
  }
}

std::optional<Instant> VirtualClock::AwaitAlarm(std::chrono::milliseconds timeout,
                                                std::size_t pending) const {
  std::unique_lock<std::mutex> lock(mu_);
  if (!alarm_set_.wait_for(lock, timeout, [&] { return alarms_.size() >= pending; }))
    return std::nullopt;
  return alarms_.begin()->first;
}

// Rings outside the lock: a ring may read the clock or set the next alarm.
void VirtualClock::RingDue(std::unique_lock<std::mutex> lock) {
  std::vector<std::function<void()>> due;
  while (!alarms_.empty() && alarms_.begin()->first <= now_) {
    due.push_back(std::move(alarms_.begin()->second.ring));
    alarms_.erase(alarms_.begin());
  }
  lock.unlock();
  for (const auto& ring : due) ring();
}

}  // namespace kehrbote
