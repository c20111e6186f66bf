#include "dispatcher/app/firm_feed.h"

#include <algorithm>

namespace kehrbote {

namespace {

std::map<std::string, size_t, std::less<>> IndexOf(const DispatcherConfig& config) {
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < config.firms.size(); ++i) index.emplace(config.firms[i].id(), i);
  return index;
}

}  // namespace

FirmFeed::FirmFeed(const DispatcherConfig& config, bool pulling)
    : index_(IndexOf(config)),
      queued_(config.firms.size(), false),
      ready_(std::max<size_t>(1, config.firms.size())) {
  if (!pulling) Finish();
}

void FirmFeed::Ready(std::string_view firm_id) {
  MutexLock lock(&mu_);
  auto it = index_.find(firm_id);
  if (it == index_.end() || queued_[it->second]) return;
  queued_[it->second] = true;
  ready_.Push(it->second);  // never waits: room for every firm; refused after Stop()
}

void FirmFeed::Finish() {
  MutexLock lock(&mu_);
  for (size_t i = 0; i < queued_.size(); ++i) {
    if (queued_[i]) continue;
    queued_[i] = true;
    ready_.Push(i);
  }
  ready_.Close();
}

void FirmFeed::Stop() { ready_.Cancel(); }

std::optional<size_t> FirmFeed::Next() { return ready_.Pop(); }

}  // namespace kehrbote
