// SendWindow: up to `width` MessageChannel::Send() calls at once.
//
// Why: a gateway answers one request at a time slowly (Kannel's smsbox waits
// for bearerbox before it answers, ~16 ms here), so one request in flight caps
// a dispatcher at a few dozen SMS per second however fast the store is. The
// outbox keeps up to `width` requests open and commits the finished ones in one
// transaction while the others are still on the wire.
//
// The price is stated in docs/delivery.md: a crash can leave up to `width`
// requests whose outcome was not yet recorded: with receipts they settle them
// (Outbox::RecoverInterrupted), without each may be a duplicate (width 1: at
// most one, the strict setting).
//
// Width 1 runs Send() on the caller's thread; wider windows use `width` worker
// threads (created once, joined by the destructor; they inherit the caller's
// signal mask). Channels must then be safe to call from several threads at once.
// A SendWindow itself is used from one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"

namespace kehrbote {

class SendWindow {
 public:
  explicit SendWindow(std::size_t width);
  ~SendWindow();
  SendWindow(const SendWindow&) = delete;
  SendWindow& operator=(const SendWindow&) = delete;

  std::size_t width() const { return width_; }

  // Starts Send(*message) on `channel`; `tag` names it in TakeFinished().
  // `message` must stay valid until it is taken back. A null channel or a
  // Send() that throws gives a transient outcome naming the reason.
  void Submit(std::size_t tag, MessageChannel* channel, const OutgoingMessage* message);

  // Blocks until at least `at_least` submitted requests have finished (or all
  // open ones, if fewer are open; at once with nothing if none is open) and
  // returns every finished one.
  std::vector<std::pair<std::size_t, SendOutcome>> TakeFinished(std::size_t at_least = 1);

 private:
  struct Job {
    std::size_t tag;
    MessageChannel* channel;
    const OutgoingMessage* message;
  };
  static SendOutcome Run(const Job& job);
  void Work();

  const std::size_t width_;
  std::size_t open_ = 0;  // submitted, not yet taken back
  std::size_t awaited_ = 0;  // finished requests TakeFinished() waits for; 0 = not waiting
  std::mutex mu_;
  std::condition_variable work_ready_, job_done_;
  std::deque<Job> jobs_;
  std::vector<std::pair<std::size_t, SendOutcome>> finished_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace kehrbote
