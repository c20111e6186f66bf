#include "dispatcher/outbox/send_window.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

namespace kehrbote {

SendWindow::SendWindow(std::size_t max_width, std::size_t start_width)
    : width_(start_width == 0 ? max_width : start_width, max_width),
      jobs_(width_.max()),
      finished_(width_.max()) {}

SendWindow::~SendWindow() {
  // The workers finish what is queued (its outcomes are dropped), then end.
  jobs_.Close();
  workers_.clear();
}

SendOutcome SendWindow::Run(const Job& job) {
  SendOutcome out;
  if (job.channel == nullptr) {
    out.status = SendStatus::kTransient;
    out.detail = "no channel '" + job.message->channel + "' configured";
    return out;
  }
  try {
    return job.channel->Send(*job.message);
  } catch (const std::exception& e) {
    // A channel classifies its errors itself; anything escaping is unexpected
    // and may have reached the gateway, so it is retried like a timeout.
    out.status = SendStatus::kTransient;
    out.detail = std::string("channel error: ") + e.what();
    return out;
  }
}

void SendWindow::Submit(std::size_t tag, MessageChannel* channel, const OutgoingMessage* message) {
  if (open_ >= width()) throw std::logic_error("SendWindow: more requests than its width");
  const Job job{tag, channel, message};
  // Left idle: the rate is measured from now, not over the idle time.
  if (open_ == 0) since_ = std::chrono::steady_clock::now();
  ++open_;
  if (max_width() == 1) {
    finished_.Push({tag, Run(job)});
    return;
  }
  StartWorkers(open_);
  jobs_.Push(job);
}

void SendWindow::StartWorkers(std::size_t needed) {
  if (started_ >= needed) return;
  // One group per growth, doubling the threads (at least the missing ones, at
  // most the width): a few groups for the whole width, while a pass of three
  // requests still starts three threads, not max_width.
  const std::size_t more = std::min(std::max(needed - started_, started_), width() - started_);
  workers_.push_back(std::make_unique<WorkerGroup>(more, [this](std::size_t) {
    // Run() does not throw; Push does not wait (at most open_ outcomes queue).
    while (std::optional<Job> job = jobs_.Pop()) finished_.Push({job->tag, Run(*job)});
  }));
  started_ += more;
}

std::vector<std::pair<std::size_t, SendOutcome>> SendWindow::TakeFinished(std::size_t at_least) {
  if (open_ == 0) return {};
  // Fewer open than allowed: the caller had nothing more to send.
  const bool limited = open_ < width();
  std::deque<Finished> batch;
  // Waits for the whole batch at once: one wake-up per commit, not per answer.
  finished_.PopBatch(&batch, open_, std::min(std::max<std::size_t>(at_least, 1), open_));
  open_ -= batch.size();
  std::vector<Finished> out(std::make_move_iterator(batch.begin()),
                            std::make_move_iterator(batch.end()));
  const auto now = std::chrono::steady_clock::now();
  const std::size_t transient =
      static_cast<std::size_t>(std::count_if(out.begin(), out.end(), [](const Finished& o) {
        return o.second.status == SendStatus::kTransient;
      }));
  width_.Observe(out.size(), transient, now - since_, limited);
  since_ = now;
  return out;
}

}  // namespace kehrbote
