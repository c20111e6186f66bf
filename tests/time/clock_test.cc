#include "shared/time/clock.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

TEST(ManualClockTest, StaysWhereSetAndAdvances) {
  ManualClock clock(Instant{std::chrono::seconds{1000}});
  EXPECT_EQ(clock.Now().time_since_epoch().count(), 1000);
  clock.Advance(std::chrono::seconds{60});
  EXPECT_EQ(clock.Now().time_since_epoch().count(), 1060);
  clock.Set(Instant{std::chrono::seconds{5}});
  EXPECT_EQ(clock.Now().time_since_epoch().count(), 5);
}

TEST(SystemClockTest, IsNearTheRealTime) {
  SystemClock clock;
  auto real = std::chrono::system_clock::now();
  auto diff = std::chrono::duration_cast<std::chrono::seconds>(real - clock.Now()).count();
  EXPECT_LE(std::abs(diff), 2);
}

}  // namespace
}  // namespace kehrbote
