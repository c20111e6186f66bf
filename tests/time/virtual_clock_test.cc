#include "shared/time/virtual_clock.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

Instant At(int seconds) { return Instant{std::chrono::seconds{seconds}}; }

TEST(VirtualClockTest, RingsAlarmsWhenMovedPastThemInTimeOrder) {
  VirtualClock clock(At(1000));
  std::vector<int> rung;
  clock.RingAt(At(1100), [&] { rung.push_back(2); });
  clock.RingAt(At(1050), [&] { rung.push_back(1); });
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}), At(1050));
  clock.Advance(std::chrono::seconds{49});
  EXPECT_TRUE(rung.empty());
  clock.Advance(std::chrono::seconds{1});
  EXPECT_EQ(rung, std::vector<int>{1});
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}), At(1100));
  clock.Set(At(2000));
  EXPECT_EQ(rung, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}), std::nullopt);
  EXPECT_EQ(clock.Now(), At(2000));
}

TEST(VirtualClockTest, RingsAtOnceForAnInstantReached) {
  VirtualClock clock(At(1000));
  bool rung = false;
  clock.RingAt(At(1000), [&] { rung = true; });
  EXPECT_TRUE(rung);
}

TEST(VirtualClockTest, ARingMaySetTheNextAlarm) {
  VirtualClock clock(At(1000));
  clock.RingAt(At(1010), [&] { clock.RingAt(At(1020), [] {}); });
  clock.Advance(std::chrono::seconds{10});
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}), At(1020));
}

TEST(VirtualClockTest, AwaitAlarmSeesAnAlarmSetOnAnotherThread) {
  VirtualClock clock(At(1000));
  std::thread setter([&] { clock.RingAt(At(1060), [] {}); });
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::seconds{10}), At(1060));
  setter.join();
}

TEST(VirtualClockTest, ACancelledAlarmDoesNotRingNorCount) {
  VirtualClock clock(At(1000));
  bool rung = false;
  const VirtualClock::AlarmId id = clock.RingAt(At(1010), [&] { rung = true; });
  clock.RingAt(At(1020), [] {});
  EXPECT_NE(id, 0u);
  clock.Cancel(id);
  clock.Cancel(id);  // twice: ignored
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}), At(1020));
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::milliseconds{0}, 2), std::nullopt);
  clock.Advance(std::chrono::seconds{10});
  EXPECT_FALSE(rung);
}

TEST(VirtualClockTest, AwaitAlarmWaitsForAsManyAlarmsAsLanes) {
  VirtualClock clock(At(1000));
  clock.RingAt(At(1090), [] {});
  std::thread second_lane([&] { clock.RingAt(At(1030), [] {}); });
  EXPECT_EQ(clock.AwaitAlarm(std::chrono::seconds{10}, 2), At(1030));
  second_lane.join();
  EXPECT_EQ(clock.RingAt(At(1000), [] {}), 0u);  // reached: rings at once, no id
}

}  // namespace
}  // namespace kehrbote
