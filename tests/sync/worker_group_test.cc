#include "shared/sync/worker_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "shared/sync/bounded_queue.h"
#include "shared/sync/mutex.h"  // so scripts/thread-safety checks the group

namespace kehrbote {
namespace {

TEST(WorkerGroupTest, RunsEveryIndexOnce) {
  std::vector<std::atomic<int>> runs(4);
  {
    WorkerGroup group(4, [&](size_t i) { ++runs[i]; });
    group.Join();
  }
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
}

// With no worker, "the last one ended" at once: a queue it closes does not wait.
TEST(WorkerGroupTest, NoThreadsRunsNothingAndEndsAtOnce) {
  std::atomic<int> errors{0}, last_exits{0};
  WorkerGroup group(0, [](size_t) { FAIL(); }, {[&] { ++errors; }, [&] { ++last_exits; }});
  group.Join();
  EXPECT_FALSE(group.Failed());
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(last_exits.load(), 1);
}

// The workers fill a queue; the last one to end closes it, so the consumer on
// the owner's thread sees every item and then the end.
TEST(WorkerGroupTest, LastWorkerClosesTheQueue) {
  BoundedQueue<int> q(4);
  std::atomic<int> closes{0};
  WorkerGroup group(3,
                    [&](size_t w) {
                      for (int i = 0; i < 100; ++i)
                        ASSERT_TRUE(q.Push(static_cast<int>(w) * 1000 + i));
                    },
                    {nullptr, [&] {
                       ++closes;
                       q.Close();
                     }});
  int n = 0;
  while (q.Pop()) ++n;
  group.Join();
  EXPECT_EQ(n, 300);
  EXPECT_EQ(closes.load(), 1);
}

TEST(WorkerGroupTest, JoinRethrowsTheFirstException) {
  std::atomic<int> errors{0}, ran{0};
  WorkerGroup group(4,
                    [&](size_t i) {
                      ++ran;
                      if (i == 2) throw std::runtime_error("worker 2 failed");
                    },
                    {[&] { ++errors; }, nullptr});
  try {
    group.Join();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "worker 2 failed");
  }
  EXPECT_THROW(group.Join(), std::runtime_error);  // on every call
  EXPECT_TRUE(group.Failed());
  EXPECT_EQ(errors.load(), 1);
  EXPECT_EQ(ran.load(), 4);  // the others went on
}

TEST(WorkerGroupTest, OnlyTheFirstOfSeveralExceptionsIsKept) {
  std::atomic<int> errors{0};
  WorkerGroup group(4, [&](size_t i) { throw std::runtime_error("worker " + std::to_string(i)); },
                    {[&] { ++errors; }, nullptr});
  EXPECT_THROW(group.Join(), std::runtime_error);
  EXPECT_EQ(errors.load(), 1);
}

// Workers waiting on a queue nobody fills end when a failing worker's on_error
// cancels it; the group ends and Join reports the failure.
TEST(WorkerGroupTest, OnErrorStopsTheOthers) {
  BoundedQueue<int> q(1);
  WorkerGroup group(4,
                    [&](size_t i) {
                      if (i == 0) throw std::logic_error("stop");
                      while (q.Pop()) {
                      }
                    },
                    {[&] { q.Cancel(); }, nullptr});
  EXPECT_THROW(group.Join(), std::logic_error);
}

TEST(WorkerGroupTest, DestructorJoinsWithoutThrowing) {
  std::atomic<int> ended{0};
  {
    WorkerGroup group(2, [&](size_t) {
      ++ended;
      throw std::runtime_error("ignored by the destructor");
    });
  }
  EXPECT_EQ(ended.load(), 2);
}

}  // namespace
}  // namespace kehrbote
