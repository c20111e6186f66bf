#include "agent/app/daily_schedule.h"

#include <gtest/gtest.h>

#include "agent/app/agent_status.h"
#include "shared/env/env.h"
#include "shared/time/zoned_time.h"
#include "tests/support/file_acl.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

Instant At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }
std::string Vienna(Instant t) { return FormatRfc3339(t, "Europe/Vienna"); }

const DailySchedule kSchedule({std::chrono::hours(6), std::chrono::hours(13)}, "Europe/Vienna");

TEST(DailyScheduleTest, NextAndLastInTheFirmsZone) {
  EXPECT_EQ(Vienna(kSchedule.NextAfter(At("2026-11-23T04:00:00Z"))), "2026-11-23T06:00:00+01:00");
  EXPECT_EQ(Vienna(kSchedule.NextAfter(At("2026-11-23T05:00:00Z"))), "2026-11-23T13:00:00+01:00");
  EXPECT_EQ(Vienna(kSchedule.NextAfter(At("2026-11-23T12:00:00Z"))), "2026-11-24T06:00:00+01:00");
  EXPECT_EQ(Vienna(kSchedule.LastAtOrBefore(At("2026-11-23T04:59:59Z"))),
            "2026-11-22T13:00:00+01:00");
  EXPECT_EQ(Vienna(kSchedule.LastAtOrBefore(At("2026-11-23T05:00:00Z"))),
            "2026-11-23T06:00:00+01:00");
}

TEST(DailyScheduleTest, AcrossTheClockChanges) {
  DailySchedule night({std::chrono::minutes(150)}, "Europe/Vienna");  // 02:30
  // 2026-03-29 02:30 does not exist: it runs at 03:30 CEST.
  EXPECT_EQ(Vienna(night.NextAfter(At("2026-03-28T23:00:00Z"))), "2026-03-29T03:30:00+02:00");
  // 2026-10-25 02:30 happens twice: once, at the earlier instant.
  Instant first = night.NextAfter(At("2026-10-24T23:00:00Z"));
  EXPECT_EQ(Vienna(first), "2026-10-25T02:30:00+02:00");
  EXPECT_EQ(Vienna(night.NextAfter(first)), "2026-10-26T02:30:00+01:00");
}

TEST(DailyScheduleTest, MissedRunAfterTheMachineWasOff) {
  Instant now = At("2026-11-23T07:00:00Z");  // 08:00 Vienna; 06:00 has passed
  EXPECT_TRUE(kSchedule.Missed(now, std::nullopt));
  EXPECT_TRUE(kSchedule.Missed(now, At("2026-11-22T12:00:05Z")));   // yesterday 13:00 run
  EXPECT_FALSE(kSchedule.Missed(now, At("2026-11-23T05:00:07Z")));  // today's 06:00 run
}

TEST(AgentStatusTest, SavesAtomicallyAndReadsBack) {
  test::TempDir dir;
  std::string path = dir.Sub("status.json");
  std::string warning;
  AgentStatus empty = AgentStatus::Load(path, &warning);
  EXPECT_TRUE(warning.empty());
  EXPECT_FALSE(empty.last_success.has_value());

  AgentStatus s;
  s.last_success = AgentSuccess{At("2026-11-23T05:00:04Z"), "export-huber-20261123T050000Z-1.json",
                                "export-huber-20261123T050000Z-1.json", 815, 812, 3};
  s.last_error = AgentFailure{At("2026-11-22T05:00:04Z"), "sftp 127.0.0.1:22: connect refused"};
  s.last_attempt = At("2026-11-23T05:00:00Z");
  s.Save(path, "Europe/Vienna");
  if (test::PlatformKeepsAccessRights()) {
    EXPECT_TRUE(Env::Default().IsPrivate(path));
  }
  EXPECT_NE(Env::Default().ReadFile(path).find("\"2026-11-23T06:00:04+01:00\""), std::string::npos);
  EXPECT_EQ(AgentStatus::Load(path, &warning), s);
  EXPECT_TRUE(warning.empty());

  Env::Default().WritePrivateFileAtomically(path, "{kaputt");
  AgentStatus broken = AgentStatus::Load(path, &warning);
  EXPECT_FALSE(broken.last_success.has_value());
  EXPECT_NE(warning.find(path), std::string::npos);
}

}  // namespace
}  // namespace kehrbote
