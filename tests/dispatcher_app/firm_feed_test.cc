#include "dispatcher/app/firm_feed.h"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>
#include <vector>

namespace kehrbote {
namespace {

DispatcherConfig ThreeFirms() {
  DispatcherConfig config;
  for (const char* id : {"a", "b", "c"}) {
    FirmConfig firm;
    firm.policy.firm_id = id;
    config.firms.push_back(firm);
  }
  return config;
}

TEST(FirmFeedTest, WithoutPullEveryFirmInConfigOrder) {
  const DispatcherConfig config = ThreeFirms();
  FirmFeed feed(config, /*pulling=*/false);
  EXPECT_EQ(feed.Next(), 0u);
  EXPECT_EQ(feed.Next(), 1u);
  EXPECT_EQ(feed.Next(), 2u);
  EXPECT_EQ(feed.Next(), std::nullopt);
}

TEST(FirmFeedTest, ReadyFirstThenTheRestOnceEach) {
  const DispatcherConfig config = ThreeFirms();
  FirmFeed feed(config, /*pulling=*/true);
  feed.Ready("c");
  feed.Ready("c");        // a repeat is ignored
  feed.Ready("unknown");  // so is an id not in the config
  EXPECT_EQ(feed.Next(), 2u);
  feed.Finish();
  feed.Ready("a");  // after Finish: queued already
  EXPECT_EQ(feed.Next(), 0u);
  EXPECT_EQ(feed.Next(), 1u);
  EXPECT_EQ(feed.Next(), std::nullopt);
}

TEST(FirmFeedTest, NextWaitsForTheNextReadyFirm) {
  const DispatcherConfig config = ThreeFirms();
  FirmFeed feed(config, /*pulling=*/true);
  auto next = std::async(std::launch::async, [&] { return feed.Next(); });
  feed.Ready("b");
  EXPECT_EQ(next.get(), 1u);
}

TEST(FirmFeedTest, StopEndsWaitingPlannersAndHandsOutNothingMore) {
  const DispatcherConfig config = ThreeFirms();
  FirmFeed feed(config, /*pulling=*/true);
  feed.Ready("a");
  auto next = std::async(std::launch::async, [&] {
    std::vector<std::optional<size_t>> got{feed.Next(), feed.Next()};
    return got;
  });
  feed.Stop();
  const std::vector<std::optional<size_t>> got = next.get();
  EXPECT_EQ(got.back(), std::nullopt);
  feed.Finish();
  EXPECT_EQ(feed.Next(), std::nullopt);
}

TEST(FirmFeedTest, SeveralPlannersGetEachFirmOnce) {
  DispatcherConfig config;
  for (int i = 0; i < 500; ++i) {
    FirmConfig firm;
    firm.policy.firm_id = "firm-" + std::to_string(i);
    config.firms.push_back(firm);
  }
  FirmFeed feed(config, /*pulling=*/true);
  std::vector<std::vector<size_t>> got(3);
  std::vector<std::thread> planners;
  planners.reserve(got.size());
  for (auto& g : got) {
    planners.emplace_back([&feed, &g] {
      while (std::optional<size_t> i = feed.Next()) g.push_back(*i);
    });
  }
  for (int i = 0; i < 500; i += 2) feed.Ready("firm-" + std::to_string(i));
  feed.Finish();
  for (auto& t : planners) t.join();
  std::multiset<size_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), 500u);
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 500u);
}

TEST(FirmFeedTest, NoFirms) {
  const DispatcherConfig config;
  FirmFeed feed(config, /*pulling=*/false);
  EXPECT_EQ(feed.Next(), std::nullopt);
}

}  // namespace
}  // namespace kehrbote
