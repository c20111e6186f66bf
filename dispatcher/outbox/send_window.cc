#include "dispatcher/outbox/send_window.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

namespace kehrbote {

SendWindow::SendWindow(std::size_t max_width, std::size_t start_width)
    : width_(start_width == 0 ? max_width : start_width, max_width) {}

SendWindow::~SendWindow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
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
  Job job{tag, channel, message};
  if (max_width() == 1) {
    if (open_ >= 1) throw std::logic_error("SendWindow: more requests than its width");
    since_ = std::chrono::steady_clock::now();
    SendOutcome outcome = Run(job);
    std::lock_guard<std::mutex> lock(mu_);
    finished_.emplace_back(tag, std::move(outcome));
    ++open_;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_ >= width()) throw std::logic_error("SendWindow: more requests than its width");
    // Left idle: the rate is measured from now, not over the idle time.
    if (open_ == 0) since_ = std::chrono::steady_clock::now();
    jobs_.push_back(job);
    ++open_;
    // One thread per open request; started when the width first needs it.
    if (workers_.size() < open_) workers_.emplace_back([this] { Work(); });
  }
  work_ready_.notify_one();
}

std::vector<std::pair<std::size_t, SendOutcome>> SendWindow::TakeFinished(std::size_t at_least) {
  std::vector<std::pair<std::size_t, SendOutcome>> out;
  bool limited = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Fewer open than allowed: the caller had nothing more to send.
    limited = open_ < width();
    awaited_ = std::min(std::max<std::size_t>(at_least, 1), open_);
    job_done_.wait(lock, [&] { return finished_.size() >= awaited_; });
    awaited_ = 0;
    out.swap(finished_);
    open_ -= out.size();
  }
  if (out.empty()) return out;
  const auto now = std::chrono::steady_clock::now();
  const std::size_t transient =
      static_cast<std::size_t>(std::count_if(out.begin(), out.end(), [](const auto& o) {
        return o.second.status == SendStatus::kTransient;
      }));
  width_.Observe(out.size(), transient, now - since_, limited);
  since_ = now;
  return out;
}

void SendWindow::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    SendOutcome outcome = Run(job);
    lock.lock();
    finished_.emplace_back(job.tag, std::move(outcome));
    // Wake the caller only when what it waits for is there (one wake-up per
    // commit instead of one per answer).
    if (awaited_ > 0 && finished_.size() >= awaited_) job_done_.notify_one();
  }
}

}  // namespace kehrbote
