// SendWindow's contract: never more than width() requests open, every outcome
// comes back under its tag, a failing or missing channel is a transient outcome,
// max width 1 sends on the caller's thread, transient failures narrow the window.
// The channel here is a latch the test opens (no sleep, no timing).
#include "dispatcher/outbox/send_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace kehrbote {
namespace {

// Holds every Send() until Open(); counts how many are inside at once.
class LatchChannel : public MessageChannel {
 public:
  explicit LatchChannel(SendStatus status = SendStatus::kAccepted) : status_(status) {}

  SendOutcome Send(const OutgoingMessage& message) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++inside_;
    widest_ = std::max(widest_, inside_);
    callers_.insert(std::this_thread::get_id());
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --inside_;
    SendOutcome out;
    out.status = status_;
    out.detail = "latch " + std::to_string(message.id);
    return out;
  }
  void WaitInside(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return inside_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  int widest() {
    std::lock_guard<std::mutex> lock(mu_);
    return widest_;
  }
  std::set<std::thread::id> callers() {
    std::lock_guard<std::mutex> lock(mu_);
    return callers_;
  }

 private:
  const SendStatus status_;
  std::mutex mu_;
  std::condition_variable changed_;
  int inside_ = 0, widest_ = 0;
  bool open_ = false;
  std::set<std::thread::id> callers_;
};

class ThrowingChannel : public MessageChannel {
 public:
  SendOutcome Send(const OutgoingMessage&) override { throw std::runtime_error("broken pipe"); }
};

std::vector<OutgoingMessage> Messages(int n) {
  std::vector<OutgoingMessage> out(n);
  for (int i = 0; i < n; ++i) {
    out[i].id = i;
    out[i].channel = "sms";
  }
  return out;
}

TEST(SendWindowTest, KeepsWidthRequestsOpenAndReturnsEveryOutcomeByTag) {
  SendWindow window(8, 8);
  ASSERT_EQ(window.width(), 8u);
  LatchChannel channel;
  auto messages = Messages(9);
  for (std::size_t i = 0; i < 8; ++i) window.Submit(100 + i, &channel, &messages[i]);
  channel.WaitInside(8);  // all eight on the wire at once
  EXPECT_THROW(window.Submit(108, &channel, &messages[8]), std::logic_error);
  channel.Open();
  std::set<std::size_t> tags;
  while (tags.size() < 8) {
    for (auto& [tag, outcome] : window.TakeFinished(8)) {
      EXPECT_EQ(outcome.status, SendStatus::kAccepted);
      EXPECT_EQ(outcome.detail, "latch " + std::to_string(tag - 100));
      tags.insert(tag);
    }
  }
  EXPECT_EQ(*tags.begin(), 100u);
  EXPECT_EQ(*tags.rbegin(), 107u);
  EXPECT_EQ(channel.widest(), 8);
  EXPECT_TRUE(window.TakeFinished(1).empty()) << "nothing open: returns at once";
}

TEST(SendWindowTest, AMissingOrThrowingChannelIsATransientOutcomeWithTheReason) {
  SendWindow window(4, 4);
  ThrowingChannel broken;
  auto messages = Messages(2);
  window.Submit(1, &broken, &messages[0]);
  window.Submit(2, nullptr, &messages[1]);
  std::vector<std::pair<std::size_t, SendOutcome>> all;
  while (all.size() < 2) {
    auto some = window.TakeFinished(2);
    all.insert(all.end(), some.begin(), some.end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  EXPECT_EQ(all[0].second.status, SendStatus::kTransient);
  EXPECT_EQ(all[0].second.detail, "channel error: broken pipe");
  EXPECT_EQ(all[1].second.status, SendStatus::kTransient);
  EXPECT_EQ(all[1].second.detail, "no channel 'sms' configured");
}

TEST(SendWindowTest, MaxWidthOneSendsOnTheCallersThread) {
  SendWindow window(1, 16);
  EXPECT_EQ(window.width(), 1u);
  LatchChannel channel;
  channel.Open();
  auto messages = Messages(3);
  for (std::size_t i = 0; i < 3; ++i) {
    window.Submit(i, &channel, &messages[i]);
    EXPECT_THROW(window.Submit(99, &channel, &messages[i]), std::logic_error);
    auto finished = window.TakeFinished();
    ASSERT_EQ(finished.size(), 1u);
    EXPECT_EQ(finished[0].first, i);
  }
  EXPECT_EQ(channel.callers(), std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(SendWindowTest, StartsAtTheStartWidthAndTransientFailuresHalveIt) {
  SendWindow window(64, 16);
  EXPECT_EQ(window.width(), 16u);
  EXPECT_EQ(window.max_width(), 64u);
  LatchChannel refusing(SendStatus::kTransient);
  refusing.Open();
  auto messages = Messages(16);
  for (std::size_t i = 0; i < 16; ++i) window.Submit(i, &refusing, &messages[i]);
  std::size_t taken = 0;
  while (taken < 16) taken += window.TakeFinished(16).size();
  EXPECT_LE(window.width(), 8u);
  EXPECT_GE(window.width(), 1u);
}

// Threads start when the width first needs them: a pass of three requests in
// a wide window uses three threads, not max_width; later requests reuse them.
TEST(SendWindowTest, StartsThreadsAsRequestsNeedThemAndReusesThem) {
  SendWindow window(64, 64);
  LatchChannel channel;
  auto messages = Messages(6);
  for (std::size_t i = 0; i < 3; ++i) window.Submit(i, &channel, &messages[i]);
  channel.WaitInside(3);  // three requests on the wire at once: three threads
  EXPECT_EQ(channel.callers().size(), 3u);
  channel.Open();
  std::size_t taken = 0;
  while (taken < 3) taken += window.TakeFinished(3).size();
  for (std::size_t i = 3; i < 6; ++i) window.Submit(i, &channel, &messages[i]);
  while (taken < 6) taken += window.TakeFinished(3).size();
  // A worker that has handed in its outcome may not be waiting for the next request yet,
  // so the window may start its next group (four threads) early (seen under TSan): at
  // most 3 + 4 threads, never max_width.
  EXPECT_LE(channel.callers().size(), 7u);
  EXPECT_EQ(channel.callers().count(std::this_thread::get_id()), 0u);
}

// The destructor waits for the requests on the wire (their messages must stay
// valid until then) and drops outcomes nobody took.
TEST(SendWindowTest, DestructorWaitsForOpenRequests) {
  LatchChannel channel;
  auto messages = Messages(4);
  std::thread opener;
  {
    SendWindow window(4, 4);
    for (std::size_t i = 0; i < 4; ++i) window.Submit(i, &channel, &messages[i]);
    channel.WaitInside(4);
    opener = std::thread([&] { channel.Open(); });
  }  // joins the workers once the latch opens
  opener.join();
  EXPECT_EQ(channel.widest(), 4);
}

}  // namespace
}  // namespace kehrbote
