#include "dispatcher/app/firm_feed.h"

namespace kehrbote {

FirmFeed::FirmFeed(const DispatcherConfig& config, bool pulling)
    : queued_(config.firms.size(), false) {
  for (size_t i = 0; i < config.firms.size(); ++i) index_.emplace(config.firms[i].id(), i);
  if (!pulling) Finish();
}

void FirmFeed::Ready(std::string_view firm_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(firm_id);
  if (it == index_.end() || queued_[it->second]) return;
  queued_[it->second] = true;
  ready_.push_back(it->second);
  changed_.notify_one();
}

void FirmFeed::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  for (size_t i = 0; i < queued_.size(); ++i) {
    if (queued_[i]) continue;
    queued_[i] = true;
    ready_.push_back(i);
  }
  changed_.notify_all();
}

void FirmFeed::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

std::optional<size_t> FirmFeed::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return stopped_ || !ready_.empty() || finished_; });
  if (stopped_ || ready_.empty()) return std::nullopt;
  const size_t i = ready_.front();
  ready_.pop_front();
  return i;
}

}  // namespace kehrbote
