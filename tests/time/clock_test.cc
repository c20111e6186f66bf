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

// Now() is truncated to the second; Until() is not, so a timer armed with it
// fires at the whole second a message is due, not up to a second after it.
TEST(SystemClockTest, UntilTheNextSecondIsFinerThanASecond) {
  SystemClock clock;
  const Instant next = clock.Now() + std::chrono::seconds{2};
  const auto before = std::chrono::system_clock::now();
  const std::chrono::nanoseconds until = clock.Until(next);
  const auto exact = next - before;
  EXPECT_LE(until, exact);
  EXPECT_GT(until, exact - std::chrono::milliseconds{100});
  EXPECT_LT(until, std::chrono::seconds{2});  // Now() + 2 s minus the part of this second gone
}

}  // namespace
}  // namespace kehrbote
