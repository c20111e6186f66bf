// FirmFeed: hands the firms of a full pass to the planner threads while the
// pull is still running.
//
// A firm is ready once the puller reports its new files applied (Ready), and
// every firm is ready once the pull is over (Finish). Next() hands out each firm
// once: ready firms in the order they became ready, then the rest in config
// order. So planning of the firms pulled first overlaps the pull of the others
// instead of waiting for all of it, and a firm is never planned while its own
// export is still being applied.
//
// Threads: every method may be called from any thread; Next() by several
// planners at once. The ready firms wait in a BoundedQueue as large as the
// config's firms, so Ready() and Finish() never wait.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "shared/sync/bounded_queue.h"
#include "shared/sync/mutex.h"

namespace kehrbote {

class FirmFeed {
 public:
  // `pulling` = false: every firm is ready at once (a pass without a pull).
  FirmFeed(const DispatcherConfig& config, bool pulling);

  // The pull is done with `firm_id` (unknown ids are ignored; repeats too).
  void Ready(std::string_view firm_id) EXCLUDES(mu_);
  // The pull is over: every firm not handed out yet is ready.
  void Finish() EXCLUDES(mu_);
  // Nothing more is handed out (a planner failed).
  void Stop();

  // Index into config.firms of the next firm to plan; waits for one to become
  // ready. nullopt once every firm was handed out, or after Stop().
  std::optional<size_t> Next();

 private:
  const std::map<std::string, size_t, std::less<>> index_;
  Mutex mu_;  // orders Ready() and Finish(): each firm is queued once
  std::vector<bool> queued_ GUARDED_BY(mu_);
  BoundedQueue<size_t> ready_;  // closed by Finish(), cancelled by Stop()
};

}  // namespace kehrbote
