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
// worker thread per open request (started when the width first needs it, joined
// by the destructor; they inherit the caller's signal mask). Channels must then
// be safe to call from several threads at once. A SendWindow itself is used from
// one thread; width() changes only in TakeFinished().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/outbox/window_width.h"

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
  static SendOutcome Run(const Job& job);
  void Work();

  WindowWidth width_;  // used by the caller's thread only
  // Since the last TakeFinished() (or since the window left idle): what the
  // width's rate is measured over.
  std::chrono::steady_clock::time_point since_;
  std::size_t open_ = 0;     // submitted, not yet taken back
  std::size_t awaited_ = 0;  // finished requests TakeFinished() waits for; 0 = not waiting
  std::mutex mu_;
  std::condition_variable work_ready_, job_done_;
  std::deque<Job> jobs_;
  std::vector<std::pair<std::size_t, SendOutcome>> finished_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace kehrbote
