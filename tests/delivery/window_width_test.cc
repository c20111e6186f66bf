// WindowWidth in virtual time: a model gateway says how fast requests finish at
// a given width, and the tests check where the width goes. No clock, no sleep.
#include "dispatcher/outbox/window_width.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

namespace kehrbote {
namespace {

// A gateway that answers each request after `latency_ms` and takes at most
// `capacity` requests per second (0: no limit); requests above `refuse_above`
// open at once get a transient failure (a gateway's 503), 0: none.
struct ModelGateway {
  double latency_ms = 70;
  double capacity = 0;
  std::size_t refuse_above = 0;

  double Rate(std::size_t width) const {
    double rate = static_cast<double>(width) * 1000.0 / latency_ms;
    return capacity > 0 ? std::min(rate, capacity) : rate;
  }
};

// One round trip at the current width: every open request finishes.
void Step(WindowWidth& w, const ModelGateway& g) {
  const std::size_t open = w.current();
  const double seconds = static_cast<double>(open) / g.Rate(open);
  const std::size_t transient =
      g.refuse_above > 0 && open > g.refuse_above ? open - g.refuse_above : 0;
  w.Observe(
      open, transient,
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)),
      false);
}

void Steps(WindowWidth& w, const ModelGateway& g, int steps) {
  for (int i = 0; i < steps; ++i) Step(w, g);
}

TEST(WindowWidthTest, GrowsToTheMaximumWhileMoreOpenRequestsRaiseTheRate) {
  // Kannel with receipts: ~70 ms per answer, far from its limit at 16.
  WindowWidth w(16, 256);
  ModelGateway slow{70, 0, 0};
  Steps(w, slow, 40);
  EXPECT_EQ(w.current(), 256u);
}

TEST(WindowWidthTest, StopsWhereTheGatewayIsSaturated) {
  // 20 ms per answer, 2,000 per second at most: 40 open requests saturate it.
  WindowWidth w(16, 256);
  ModelGateway saturating{20, 2000, 0};
  std::size_t widest = 0, narrowest = 256;
  for (int i = 0; i < 200; ++i) {
    Step(w, saturating);
    if (i > 20) {
      widest = std::max(widest, w.current());
      narrowest = std::min(narrowest, w.current());
    }
  }
  // 16 -> 32 (+100 %) -> 64 (+25 %) -> 128 (+0 %): back to 64, probes of a
  // quarter more (80) go back as well.
  EXPECT_EQ(narrowest, 64u);
  EXPECT_EQ(widest, 80u);
}

TEST(WindowWidthTest, FixedWhenStartIsTheMaximumOrTheMaximumIsOne) {
  WindowWidth one(16, 1);
  EXPECT_EQ(one.current(), 1u);
  Steps(one, ModelGateway{70, 0, 0}, 20);
  EXPECT_EQ(one.current(), 1u);
  WindowWidth fixed(32, 32);
  Steps(fixed, ModelGateway{70, 0, 0}, 20);
  EXPECT_EQ(fixed.current(), 32u);
  WindowWidth zero(0, 0);
  EXPECT_EQ(zero.current(), 1u);
  EXPECT_EQ(zero.max(), 1u);
}

TEST(WindowWidthTest, TransientFailuresHalveTheWidthAndKeepItBelowWhereTheyBegin) {
  // A gateway whose queue is full beyond 48 open requests.
  WindowWidth w(16, 256);
  ModelGateway queue{70, 0, 48};
  std::size_t widest = 0, narrowest = 256, failing_rounds = 0;
  const int kSteps = 400;
  for (int i = 0; i < kSteps; ++i) {
    const std::size_t before = w.rounds(), open = w.current();
    Step(w, queue);
    if (i > 50) {
      widest = std::max(widest, w.current());
      narrowest = std::min(narrowest, w.current());
      if (w.rounds() > before && open > 48) ++failing_rounds;
    }
  }
  EXPECT_LE(widest, 60u) << "keeps running into the gateway's limit";
  EXPECT_GE(narrowest, 24u) << "shrank far below what the gateway takes";
  EXPECT_LE(failing_rounds * 20, static_cast<std::size_t>(w.rounds()))
      << "more than one round in 20 ran into the limit";
}

TEST(WindowWidthTest, AGatewayThatIsDownShrinksTheWidthToOneAndItGrowsBackAfterwards) {
  WindowWidth w(128, 256);
  ModelGateway down{70, 0, 0};
  for (int i = 0; i < 10; ++i) {
    // Every request refused.
    w.Observe(w.current(), w.current(), std::chrono::milliseconds(1), false);
  }
  EXPECT_EQ(w.current(), 1u);
  Steps(w, down, 200);
  EXPECT_EQ(w.current(), 256u);
}

TEST(WindowWidthTest, FollowsAGatewayThatGotFaster) {
  WindowWidth w(16, 256);
  Steps(w, ModelGateway{20, 2000, 0}, 50);
  ASSERT_LE(w.current(), 80u);
  Steps(w, ModelGateway{20, 0, 0}, 200);  // its limit lifted
  EXPECT_EQ(w.current(), 256u);
}

TEST(WindowWidthTest, RoundsInWhichTheWindowWasNotFullChangeNothing) {
  WindowWidth w(16, 256);
  for (int i = 0; i < 100; ++i) w.Observe(5, 0, std::chrono::milliseconds(i + 1), true);
  EXPECT_EQ(w.current(), 16u);
  EXPECT_GT(w.rounds(), 0u);
}

TEST(WindowWidthTest, ARoundIsAtLeastSixtyFourFinishedRequests) {
  WindowWidth w(16, 256);
  for (int i = 0; i < 3; ++i) w.Observe(16, 0, std::chrono::milliseconds(70), false);
  EXPECT_EQ(w.rounds(), 0u);
  w.Observe(16, 0, std::chrono::milliseconds(70), false);
  EXPECT_EQ(w.rounds(), 1u);
  EXPECT_EQ(w.current(), 32u) << "the first round sets the reference and doubles";
}

}  // namespace
}  // namespace kehrbote
