#include "dispatcher/outbox/send_window.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

namespace kehrbote {

SendWindow::SendWindow(std::size_t width) : width_(width == 0 ? 1 : width) {
  if (width_ > 1) {
    workers_.reserve(width_);
    for (std::size_t i = 0; i < width_; ++i) workers_.emplace_back([this] { Work(); });
  }
}

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
  if (workers_.empty()) {
    SendOutcome outcome = Run(job);
    std::lock_guard<std::mutex> lock(mu_);
    finished_.emplace_back(tag, std::move(outcome));
    ++open_;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_ >= width_) throw std::logic_error("SendWindow: more requests than its width");
    jobs_.push_back(job);
    ++open_;
  }
  work_ready_.notify_one();
}

std::vector<std::pair<std::size_t, SendOutcome>> SendWindow::TakeFinished(std::size_t at_least) {
  std::unique_lock<std::mutex> lock(mu_);
  awaited_ = std::min(std::max<std::size_t>(at_least, 1), open_);
  job_done_.wait(lock, [&] { return finished_.size() >= awaited_; });
  awaited_ = 0;
  std::vector<std::pair<std::size_t, SendOutcome>> out;
  out.swap(finished_);
  open_ -= out.size();
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
