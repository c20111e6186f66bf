// FirmFeed: hands the firms of a full pass to the planner threads while the
// pull is still running.
//
// A firm is ready once the puller reports its new files applied (Ready), and
// every firm is ready once the pull is over (Finish). Next() hands out each firm
// once: ready firms in the order they became ready, then the rest in config
// order. So planning of the firms pulled first overlaps the pull of the others
// instead of waiting for all of it, and a firm is never planned while its own
// export is still being applied.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"

namespace kehrbote {

class FirmFeed {
 public:
  // `pulling` = false: every firm is ready at once (a pass without a pull).
  FirmFeed(const DispatcherConfig& config, bool pulling);

  // The pull is done with `firm_id` (unknown ids are ignored; repeats too).
  void Ready(std::string_view firm_id);
  // The pull is over: every firm not handed out yet is ready.
  void Finish();
  // Nothing more is handed out (a planner failed).
  void Stop();

  // Index into config.firms of the next firm to plan; waits for one to become
  // ready. nullopt once every firm was handed out, or after Stop().
  std::optional<size_t> Next();

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<bool> queued_;  // put in ready_ already
  std::deque<size_t> ready_;
  bool finished_ = false;
  bool stopped_ = false;
};

}  // namespace kehrbote
