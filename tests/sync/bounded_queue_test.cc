#include "shared/sync/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "shared/sync/mutex.h"  // so scripts/thread-safety checks the queue

namespace kehrbote {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueueTest, HandsOutInOrder) {
  BoundedQueue<int> q(3);
  EXPECT_EQ(q.capacity(), 3u);
  EXPECT_TRUE(q.Push(1));
  EXPECT_TRUE(q.Push(2));
  EXPECT_TRUE(q.Push(3));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.Pop(), 1);
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), 3);
  EXPECT_EQ(q.size(), 0u);
}

TEST(BoundedQueueTest, RefusesCapacityZero) {
  EXPECT_THROW(BoundedQueue<int>(0), std::invalid_argument);
}

TEST(BoundedQueueTest, CarriesMoveOnlyItems) {
  BoundedQueue<std::unique_ptr<int>> q(1);
  EXPECT_TRUE(q.Push(std::make_unique<int>(7)));
  std::optional<std::unique_ptr<int>> got = q.Pop();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, 7);
}

// A full or closed queue refuses at once and leaves the item with the caller
// (the HTTP listener closes the connection it could not queue).
TEST(BoundedQueueTest, TryPushRefusesAtOnceWhenFullOrClosedAndKeepsTheItem) {
  BoundedQueue<std::unique_ptr<int>> q(1);
  auto first = std::make_unique<int>(1);
  EXPECT_TRUE(q.TryPush(first));
  auto second = std::make_unique<int>(2);
  EXPECT_FALSE(q.TryPush(second));  // full: no wait
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, 2);
  std::optional<std::unique_ptr<int>> got = q.Pop();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, 1);
  EXPECT_TRUE(q.TryPush(second));  // room again
  EXPECT_FALSE(second);
  q.Close();
  auto third = std::make_unique<int>(3);
  EXPECT_FALSE(q.TryPush(third));  // closed
  ASSERT_TRUE(third);
  EXPECT_EQ(**q.Pop(), 2);  // what was queued is still handed out
  EXPECT_FALSE(q.Pop());
}

// A TryPush wakes a waiting Pop like Push does.
TEST(BoundedQueueTest, TryPushWakesAWaitingPop) {
  BoundedQueue<int> q(4);
  std::promise<void> started;
  std::thread consumer([&] {
    started.set_value();
    EXPECT_EQ(q.Pop(), 5);
  });
  started.get_future().wait();
  int five = 5;
  EXPECT_TRUE(q.TryPush(five));
  consumer.join();
}

// The third Push cannot finish before a Pop made room: whenever it returns, the
// consumer has taken the first item already.
TEST(BoundedQueueTest, PushWaitsWhileFull) {
  BoundedQueue<int> q(2);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  std::atomic<bool> popped{false};
  std::promise<void> started;
  std::thread producer([&] {
    started.set_value();
    EXPECT_TRUE(q.Push(3));
    EXPECT_TRUE(popped.load());
  });
  started.get_future().wait();
  EXPECT_LE(q.size(), 2u);
  popped = true;
  EXPECT_EQ(q.Pop(), 1);
  producer.join();
  EXPECT_EQ(q.Pop(), 2);
  EXPECT_EQ(q.Pop(), 3);
}

TEST(BoundedQueueTest, PopWaitsWhileEmpty) {
  BoundedQueue<int> q(1);
  std::atomic<bool> pushed{false};
  auto got = std::async(std::launch::async, [&] {
    std::optional<int> v = q.Pop();
    EXPECT_TRUE(pushed.load());
    return v;
  });
  pushed = true;
  ASSERT_TRUE(q.Push(42));
  EXPECT_EQ(got.get(), 42);
}

TEST(BoundedQueueTest, CloseWakesAWaitingPop) {
  BoundedQueue<int> q(1);
  auto got = std::async(std::launch::async, [&] { return q.Pop(); });
  q.Close();
  EXPECT_EQ(got.get(), std::nullopt);
  EXPECT_TRUE(q.closed());
}

TEST(BoundedQueueTest, CloseWakesAWaitingPushAndRefusesIt) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.Push(1));
  auto pushed = std::async(std::launch::async, [&] { return q.Push(2); });
  q.Close();
  EXPECT_FALSE(pushed.get());
  EXPECT_FALSE(q.Push(3));
  EXPECT_EQ(q.Pop(), 1);  // what was queued before Close() is still handed out
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, PopAfterCloseDrainsThenEnds) {
  BoundedQueue<std::string> q(4);
  ASSERT_TRUE(q.Push("a"));
  ASSERT_TRUE(q.Push("b"));
  q.Close();
  q.Close();  // repeated: nothing more happens
  EXPECT_EQ(q.Pop(), "a");
  EXPECT_EQ(q.Pop(), "b");
  EXPECT_EQ(q.Pop(), std::nullopt);
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, CancelDropsWhatIsQueued) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.Push(1));
  ASSERT_TRUE(q.Push(2));
  q.Cancel();
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.Pop(), std::nullopt);
  EXPECT_FALSE(q.Push(3));
}

TEST(BoundedQueueTest, PopBatchTakesUpToMax) {
  BoundedQueue<int> q(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.Push(i));
  std::deque<int> batch;
  EXPECT_EQ(q.PopBatch(&batch, 3), 3u);
  EXPECT_EQ(batch, (std::deque<int>{0, 1, 2}));
  EXPECT_EQ(q.PopBatch(&batch, 3), 0u);  // full already
  batch.clear();
  EXPECT_EQ(q.PopBatch(&batch, 10), 2u);  // what there is, without waiting for more
  EXPECT_EQ(batch, (std::deque<int>{3, 4}));
}

// Without a gathering limit, PopBatch returns only once its `min` items are there:
// the producer's third Push is what completes the batch.
TEST(BoundedQueueTest, PopBatchWaitsForMin) {
  BoundedQueue<int> q(8);
  auto got = std::async(std::launch::async, [&] {
    std::deque<int> batch;
    q.PopBatch(&batch, 8, 3);
    return batch;
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.Push(i));
  EXPECT_EQ(got.get(), (std::deque<int>{0, 1, 2}));
}

TEST(BoundedQueueTest, PopBatchEndsOnCloseWithWhatThereIs) {
  BoundedQueue<int> q(8);
  auto got = std::async(std::launch::async, [&] {
    std::deque<int> batch;
    q.PopBatch(&batch, 8, 5);
    return batch;
  });
  ASSERT_TRUE(q.Push(1));
  q.Close();
  EXPECT_EQ(got.get(), (std::deque<int>{1}));
  std::deque<int> batch;
  EXPECT_EQ(q.PopBatch(&batch, 8, 5), 0u);
}

// With a gathering limit, the batch goes with what came once the limit passed.
TEST(BoundedQueueTest, PopBatchGathersUntilTheLimit) {
  BoundedQueue<int> q(8);
  ASSERT_TRUE(q.Push(1));
  std::deque<int> batch;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(q.PopBatch(&batch, 8, 4, 20ms), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  EXPECT_EQ(batch, (std::deque<int>{1}));
}

TEST(BoundedQueueTest, PopBatchWithItemsInHandDoesNotWaitForAFirst) {
  BoundedQueue<int> q(8);
  std::deque<int> batch{7};
  EXPECT_EQ(q.PopBatch(&batch, 4, 1, 0ms), 0u);
  ASSERT_TRUE(q.Push(8));
  EXPECT_EQ(q.PopBatch(&batch, 4, 1, 0ms), 1u);
  EXPECT_EQ(batch, (std::deque<int>{7, 8}));
}

// Producers and consumers (single items and batches) at once on a small queue:
// every item arrives exactly once, each producer's items in the order pushed,
// and the queue never holds more than its capacity.
TEST(BoundedQueueTest, ManyProducersAndConsumers) {
  constexpr int kProducers = 4, kConsumers = 4, kItems = 20000;
  BoundedQueue<std::pair<int, int>> q(8);
  std::atomic<bool> over_capacity{false};
  std::vector<std::vector<std::pair<int, int>>> seen(kConsumers);
  std::vector<std::thread> consumers;
  consumers.reserve(kConsumers);
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      std::deque<std::pair<int, int>> batch;
      for (;;) {
        if (q.size() > q.capacity()) over_capacity = true;
        if (c % 2 == 0) {
          std::optional<std::pair<int, int>> item = q.Pop();
          if (!item) return;
          seen[c].push_back(*item);
        } else {
          batch.clear();
          if (q.PopBatch(&batch, 5, 3, 1ms) == 0) return;
          seen[c].insert(seen[c].end(), batch.begin(), batch.end());
        }
      }
    });
  }
  std::vector<std::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) ASSERT_TRUE(q.Push({p, i}));
    });
  }
  for (auto& t : producers) t.join();
  q.Close();
  for (auto& t : consumers) t.join();
  EXPECT_FALSE(over_capacity);
  std::set<std::pair<int, int>> all;
  for (const auto& s : seen) {
    std::vector<int> last(kProducers, -1);
    for (const auto& [p, i] : s) {
      EXPECT_GT(i, last[p]) << "producer " << p << " out of order";
      last[p] = i;
      EXPECT_TRUE(all.insert({p, i}).second) << "twice: " << p << "/" << i;
    }
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kProducers * kItems));
}

}  // namespace
}  // namespace kehrbote
