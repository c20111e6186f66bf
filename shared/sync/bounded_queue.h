// BoundedQueue<T>: a first-in first-out queue of at most capacity() items
// between threads, on the annotated Mutex and CondVar (mutex.h).
//
//   BoundedQueue<Job> jobs(64);
//   // producers:                      // consumers:
//   if (!jobs.Push(std::move(job)))    while (std::optional<Job> job = jobs.Pop())
//     return;  // closed: give up        Run(*job);
//   ...
//   jobs.Close();  // no more jobs: the consumers drain the queue, then Pop returns nullopt
//
// Push blocks while the queue is full, Pop while it is empty: the queue is what
// bounds the memory between a fast stage and a slow one. Close() ends the queue:
// it wakes every waiting thread, every later Push is refused (returns false,
// the item is dropped), and Pop hands out what is queued and then returns
// nullopt. Cancel() is Close() that also drops what is queued: for the side
// that gives up (a consumer gone, a stage failed), so nobody works for nothing.
//
// TryPush is Push for a producer that must not wait (a reader thread serving
// many connections): it refuses at once when the queue is full, and leaves the
// item with the caller to dispose of (a connection to close, say).
//
// PopBatch takes several items at once, so that the threads meet once per batch
// rather than once per item; it can wait until a batch has gathered (at most
// `gather` long). A producer wakes a waiting consumer only once its batch is
// there, not on every item.
//
// Threads: every method may be called from any thread, by any number of
// producers and consumers at once. The capacity is fixed (at least 1). The
// queue must outlive every thread that uses it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "shared/sync/mutex.h"

namespace kehrbote {

template <typename T>
class BoundedQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // No deadline for PopBatch's gathering: it waits for `min` items or Close().
  static constexpr Clock::duration kNoGatherLimit = Clock::duration::max();

  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("BoundedQueue: capacity 0");
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  size_t capacity() const { return capacity_; }

  // Appends `item`, waiting while the queue is full. False (and `item` is
  // dropped) once the queue is closed, also if it was closed while waiting.
  bool Push(T item) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    ++producers_waiting_;
    while (!closed_ && items_.size() >= capacity_) space_.Wait(&mu_);
    --producers_waiting_;
    if (closed_) return false;
    items_.push_back(std::move(item));
    WakeConsumers();
    return true;
  }

  // Moves `item` to the back if there is room now, without waiting. False when
  // the queue is full or closed; `item` is then left as it was.
  bool TryPush(T& item) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    WakeConsumers();
    return true;
  }

  // The oldest item, waiting while the queue is empty and open. nullopt once
  // the queue is closed and drained (at once after Cancel()).
  std::optional<T> Pop() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    ++poppers_waiting_;
    while (!closed_ && items_.empty()) item_.Wait(&mu_);
    --poppers_waiting_;
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    WakeProducers(1);
    return item;
  }

  // Moves the oldest items to the back of *batch until it holds `max` items.
  // Waits first until it gets at least one (as Pop; not if *batch holds some
  // already), then at most `gather` longer until it would hold `min`. Stops
  // waiting once the queue is closed. Returns the number of items moved: 0
  // means the queue is closed and drained, or *batch held `max` already.
  size_t PopBatch(std::deque<T>* batch, size_t max, size_t min = 1,
                  Clock::duration gather = kNoGatherLimit) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (batch->size() >= max) return 0;
    min = std::clamp<size_t>(min, 1, max);
    const size_t have = batch->size();
    // With no deadline both waits are one: for the whole batch.
    const size_t first = gather == kNoGatherLimit ? min : 1;
    if (have < first) WaitForItems(first - have, std::nullopt);
    if (have + items_.size() < min && !closed_) {
      WaitForItems(min - have, Clock::now() + gather);
    }
    return Take(batch, max - have);
  }

  // No more items: wakes every waiting thread; Push refuses from now on, Pop
  // drains what is queued. Repeated calls do nothing.
  void Close() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    CloseLocked();
  }

  // Close() and drop every queued item.
  void Cancel() EXCLUDES(mu_) {
    std::deque<T> dropped;  // destroyed after the lock is released
    MutexLock lock(&mu_);
    dropped.swap(items_);
    CloseLocked();
  }

  bool closed() const EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return closed_;
  }
  // Queued now (another thread may change it at once).
  size_t size() const EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return items_.size();
  }

 private:
  // Until items_ holds `count` (or the queue is closed, or `deadline` passed).
  void WaitForItems(size_t count, std::optional<Clock::time_point> deadline) REQUIRES(mu_) {
    ++batchers_waiting_;
    batch_wake_at_ = std::min(batch_wake_at_, count);
    while (!closed_ && items_.size() < count) {
      if (!deadline) {
        batch_.Wait(&mu_);
      } else if (!batch_.WaitUntil(&mu_, *deadline)) {
        break;
      }
    }
    // The smallest count still awaited is not known any more; no lower bound
    // only costs a spurious wake of the remaining batchers.
    if (--batchers_waiting_ == 0) batch_wake_at_ = kNobody;
  }

  size_t Take(std::deque<T>* batch, size_t most) REQUIRES(mu_) {
    const size_t n = std::min(most, items_.size());
    if (n == 0) return 0;
    if (batch->empty() && n == items_.size()) {
      batch->swap(items_);  // all of it: no item moved one by one
    } else {
      for (size_t i = 0; i < n; ++i) {
        batch->push_back(std::move(items_.front()));
        items_.pop_front();
      }
    }
    WakeProducers(n);
    return n;
  }

  // After a push: a popper takes any item; a batcher only its batch.
  void WakeConsumers() REQUIRES(mu_) {
    if (poppers_waiting_ > 0) item_.Signal();
    if (batchers_waiting_ > 0 && items_.size() >= batch_wake_at_) batch_.SignalAll();
  }

  void WakeProducers(size_t freed) REQUIRES(mu_) {
    if (producers_waiting_ == 0) return;
    if (freed == 1) {
      space_.Signal();
    } else {
      space_.SignalAll();
    }
  }

  void CloseLocked() REQUIRES(mu_) {
    if (closed_) return;
    closed_ = true;
    item_.SignalAll();
    batch_.SignalAll();
    space_.SignalAll();
  }

  static constexpr size_t kNobody = std::numeric_limits<size_t>::max();

  const size_t capacity_;
  mutable Mutex mu_;
  CondVar item_;   // for Pop: an item came, or the queue closed
  CondVar batch_;  // for PopBatch: batch_wake_at_ items are there, or the queue closed
  CondVar space_;  // for Push: room, or the queue closed
  std::deque<T> items_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  size_t producers_waiting_ GUARDED_BY(mu_) = 0;
  size_t poppers_waiting_ GUARDED_BY(mu_) = 0;
  size_t batchers_waiting_ GUARDED_BY(mu_) = 0;
  // No waiting batcher needs fewer items than this (kNobody: none waits).
  size_t batch_wake_at_ GUARDED_BY(mu_) = kNobody;
};

}  // namespace kehrbote
