// SendWindow: up to width() MessageChannel::Send() calls at once, the width
// adapted to the gateway (WindowWidth) and never above `max_width`.
//
// Why: a gateway answers one request at a time slowly (Kannel's smsbox waits
// for bearerbox before it answers, ~16 ms here; 20-70 ms with delivery receipts
// requested), so one request in flight caps a dispatcher at a few dozen SMS per
// second however fast the store is. The outbox keeps up to width() requests open
// and commits the finished ones in one transaction while the others are still on
// the wire. The width starts at `start_width` and grows while more open requests
// raise the rate of answers (window_width.h), so a fast gateway is not handed
// more open requests than pay off and a slow one gets up to `max_width`.
//
// The price is stated in docs/delivery.md: a crash can leave up to `max_width`
// requests whose outcome was not yet recorded: with receipts they settle them
// (Outbox::RecoverInterrupted), without each may be a duplicate (max_width 1:
// at most one, the strict setting).
//
// A max_width of 1 runs Send() on the caller's thread; wider windows use one
// worker thread per open request (started when the width first needs them,
// joined by the destructor; they inherit the caller's signal mask). Channels
// must then be safe to call from several threads at once. A SendWindow itself
// is used from one thread; width() changes only in TakeFinished().
//
// Built on the worker kit (shared/sync): submitted requests wait in one
// BoundedQueue for the workers, outcomes in another for TakeFinished, whose
// PopBatch wakes the caller once per commit's worth of answers, not per answer.
// The workers are WorkerGroups, one more group each time the width first goes
// beyond the threads started (a group's size is fixed).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/outbox/window_width.h"
#include "shared/sync/bounded_queue.h"
#include "shared/sync/worker_group.h"

namespace kehrbote {

class SendWindow {
 public:
  // `start_width` 0: start at `max_width` (a fixed window).
  explicit SendWindow(std::size_t max_width, std::size_t start_width = 0);
  ~SendWindow();
  SendWindow(const SendWindow&) = delete;
  SendWindow& operator=(const SendWindow&) = delete;

  // Requests that may be open now (1..max_width()).
  std::size_t width() const { return width_.current(); }
  std::size_t max_width() const { return width_.max(); }

  // Starts Send(*message) on `channel`; `tag` names it in TakeFinished().
  // `message` must stay valid until it is taken back. A null channel or a
  // Send() that throws gives a transient outcome naming the reason. Throws
  // std::logic_error when width() requests are open already.
  void Submit(std::size_t tag, MessageChannel* channel, const OutgoingMessage* message);

  // Blocks until at least `at_least` submitted requests have finished (or all
  // open ones, if fewer are open; at once with nothing if none is open) and
  // returns every finished one. Adapts width() to what they took.
  std::vector<std::pair<std::size_t, SendOutcome>> TakeFinished(std::size_t at_least = 1);

 private:
  struct Job {
    std::size_t tag;
    MessageChannel* channel;
    const OutgoingMessage* message;
  };
  using Finished = std::pair<std::size_t, SendOutcome>;
  static SendOutcome Run(const Job& job);
  // Starts workers up to `needed` threads in all (one group for the missing ones).
  void StartWorkers(std::size_t needed);

  // The caller's thread only:
  WindowWidth width_;
  // Since the last TakeFinished() (or since the window left idle): what the
  // width's rate is measured over.
  std::chrono::steady_clock::time_point since_;
  std::size_t open_ = 0;     // submitted, not yet taken back
  std::size_t started_ = 0;  // worker threads started, in all groups

  // Both hold at most open_ <= max_width items, so a Push never waits.
  BoundedQueue<Job> jobs_;           // submitted, not yet taken by a worker
  BoundedQueue<Finished> finished_;  // outcomes, not yet taken back
  // Declared last: destroyed (joined) first, after the destructor closed jobs_.
  std::vector<std::unique_ptr<WorkerGroup>> workers_;
};

}  // namespace kehrbote
