#include "dispatcher/planning/reminder_rule.h"

#include <gtest/gtest.h>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/planning/late_policy.h"
#include "dispatcher/planning/quiet_hours.h"

namespace kehrbote {
namespace {

using namespace std::chrono_literals;

LocalTime L(const char* text) { return *ParseLocalDateTime(text); }
Instant I(const char* rfc3339) { return *ParseRfc3339(rfc3339); }
std::string At(Instant t, const char* zone) { return FormatRfc3339(t, zone); }

// A lead written in hours or minutes ("24h", "2h": elapsed time).
ReminderRule Lead(std::chrono::seconds lead) {
  ReminderRule r;
  r.name = "r";
  r.lead = lead;
  return r;
}
// A lead written in days ("1d": calendar days).
ReminderRule Days(int n) {
  ReminderRule r = Lead(std::chrono::days{n});
  r.lead_days = std::chrono::days{n};
  return r;
}

TEST(ReminderRuleTest, OneDayBeforeIsSameLocalTimeDayBefore) {
  EXPECT_EQ(At(Lead(24h).SendTime(L("2026-11-24T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-23T08:00:00+01:00");
  EXPECT_EQ(At(Lead(48h).SendTime(L("2026-11-24T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-22T08:00:00+01:00");
}

TEST(ReminderRuleTest, HourLeadsAreElapsedTime) {
  EXPECT_EQ(At(Lead(2h).SendTime(L("2026-11-24T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-24T06:00:00+01:00");
  EXPECT_EQ(At(Lead(1h).SendTime(L("2026-11-24T13:30"), "Europe/Berlin"), "Europe/Berlin"),
            "2026-11-24T12:30:00+01:00");
}

TEST(ReminderRuleTest, RoundsDownToQuarterHourLikeAkuWinOffice) {
  // 14:10 -> 14:00 (the AkuWinOffice example), 09:44 -> 09:30.
  EXPECT_EQ(At(Lead(1h).SendTime(L("2026-11-24T15:10"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-24T14:00:00+01:00");
  EXPECT_EQ(At(Lead(24h).SendTime(L("2026-11-24T09:44"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-23T09:30:00+01:00");
  ReminderRule exact = Lead(1h);
  exact.round_to_quarter_hour = false;
  EXPECT_EQ(At(exact.SendTime(L("2026-11-24T15:10"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-24T14:10:00+01:00");
}

TEST(ReminderRuleTest, FixedTimeOnTheDayBefore) {
  ReminderRule r = Lead(24h);
  r.at = 18h;
  EXPECT_EQ(At(r.SendTime(L("2026-11-24T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-23T18:00:00+01:00");
  r.lead = 48h;
  r.at = 7h + 30min;
  EXPECT_EQ(At(r.SendTime(L("2026-11-24T16:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-22T07:30:00+01:00");
}

TEST(ReminderRuleTest, FixedWeekdayAndTimeBefore) {
  ReminderRule r;
  r.name = "sat";
  r.weekday = std::chrono::Saturday;
  r.at = 20h;
  // 2026-11-24 is a Tuesday: the Saturday before is 2026-11-21.
  EXPECT_EQ(At(r.SendTime(L("2026-11-24T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-21T20:00:00+01:00");
  // Appointment on Saturday 2026-11-28 at 08:00: Saturday 20:00 before is a week earlier.
  EXPECT_EQ(At(r.SendTime(L("2026-11-28T08:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-21T20:00:00+01:00");
  // Appointment on Saturday 2026-11-28 at 21:00: the same day's 20:00 counts.
  EXPECT_EQ(At(r.SendTime(L("2026-11-28T21:00"), "Europe/Vienna"), "Europe/Vienna"),
            "2026-11-28T20:00:00+01:00");
  EXPECT_EQ(r.Describe(), "Saturday 20:00 before");
}

TEST(ReminderRuleTest, ValidateRejectsInconsistentRules) {
  ReminderRule r = Lead(2h);
  r.at = 18h;
  EXPECT_NE(r.Validate(), "");  // 'at' needs whole days
  ReminderRule w;
  w.name = "w";
  w.weekday = std::chrono::Monday;
  EXPECT_NE(w.Validate(), "");  // weekday needs 'at'
  EXPECT_NE(Lead(0s).Validate(), "");
  EXPECT_EQ(Lead(24h).Validate(), "");
}

TEST(ReminderRuleTest, ParsesWeekdaysInEnglishAndGerman) {
  EXPECT_EQ(ParseWeekday("saturday"), std::chrono::Saturday);
  EXPECT_EQ(ParseWeekday("Samstag"), std::chrono::Saturday);
  EXPECT_EQ(ParseWeekday("So"), std::chrono::Sunday);
  EXPECT_EQ(ParseWeekday("Mon"), std::chrono::Monday);
  EXPECT_FALSE(ParseWeekday("Caturday"));
}

TEST(ReminderRuleTest, DateOnlyAppointmentUsesTheDateOnlyTime) {
  const char* z = "Europe/Vienna";
  AppointmentStart day;  // Wednesday 2026-11-25, "some time that day"
  day.date = L("2026-11-25T00:00");
  // lead 1d: the day before at 10:00, not 00:00 (which quiet hours made 20:00
  // two days before).
  EXPECT_EQ(At(Lead(24h).SendTime(day, z, 10h), z), "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(At(Lead(48h).SendTime(day, z, 10h), z), "2026-11-23T10:00:00+01:00");
  // Hours are rounded up to whole days: at least the lead before the day begins.
  EXPECT_EQ(At(Lead(2h).SendTime(day, z, 10h), z), "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(At(Lead(36h).SendTime(day, z, 10h), z), "2026-11-23T10:00:00+01:00");
  // The firm's own time, rounded down to the quarter hour like every rule.
  EXPECT_EQ(At(Lead(24h).SendTime(day, z, 9h + 40min), z), "2026-11-24T09:30:00+01:00");
  // Rules with their own time of day count from the date as before.
  ReminderRule at = Lead(24h);
  at.at = 18h;
  EXPECT_EQ(At(at.SendTime(day, z, 10h), z), "2026-11-24T18:00:00+01:00");
  EXPECT_FALSE(at.UsesDateOnlyTime(day));
  // A time window's start is a time: 1d before 08:00.
  AppointmentStart window = day;
  window.window_from = 8h;
  window.window_to = 12h;
  EXPECT_FALSE(Lead(24h).UsesDateOnlyTime(window));
  EXPECT_EQ(At(Lead(24h).SendTime(window, z, 10h), z), "2026-11-24T08:00:00+01:00");
}

// The lead as written. "1d" counts calendar days (10:00 stays 10:00),
// "24h" counts 24 hours of elapsed time, also across both DST changes of 2027
// (28 March, 31 October) in Europe/Vienna. Rules as a firm writes them in its YAML.
TEST(ReminderRuleTest, LeadIsKeptAsWrittenAcrossBothDstChanges) {
  const FirmConfig f = ParseFirmConfig(ConfigNode::LoadString(
      "id: huber\n"
      "rules:\n"
      "  - {name: d1, lead: 1d}\n"
      "  - {name: h24, lead: 24h}\n"
      "  - {name: h48, lead: 48h}\n"
      "  - {name: d1h2, lead: 1d2h}\n",
      "huber.yaml"));
  ASSERT_EQ(f.policy.rules.size(), 4u);
  const ReminderRule& d1 = f.policy.rules[0];
  const ReminderRule& h24 = f.policy.rules[1];
  const ReminderRule& h48 = f.policy.rules[2];
  const ReminderRule& d1h2 = f.policy.rules[3];
  const char* z = "Europe/Vienna";
  // Spring: Sunday 28 March 2027 10:00 CEST; the night before has 23 hours.
  EXPECT_EQ(At(d1.SendTime(L("2027-03-28T10:00"), z), z), "2027-03-27T10:00:00+01:00");
  EXPECT_EQ(At(h24.SendTime(L("2027-03-28T10:00"), z), z), "2027-03-27T09:00:00+01:00");
  EXPECT_EQ(At(h48.SendTime(L("2027-03-29T08:00"), z), z), "2027-03-27T07:00:00+01:00");
  // 1d2h: the calendar day first (Saturday 10:00 CET), then 2 hours.
  EXPECT_EQ(At(d1h2.SendTime(L("2027-03-28T10:00"), z), z), "2027-03-27T08:00:00+01:00");
  // Autumn: Sunday 31 October 2027 10:00 CET; the night before has 25 hours.
  EXPECT_EQ(At(d1.SendTime(L("2027-10-31T10:00"), z), z), "2027-10-30T10:00:00+02:00");
  EXPECT_EQ(At(h24.SendTime(L("2027-10-31T10:00"), z), z), "2027-10-30T11:00:00+02:00");
  EXPECT_EQ(At(h48.SendTime(L("2027-11-01T08:00"), z), z), "2027-10-30T09:00:00+02:00");
  // Away from a change both agree.
  EXPECT_EQ(At(d1.SendTime(L("2027-11-24T08:00"), z), z), "2027-11-23T08:00:00+01:00");
  EXPECT_EQ(At(h24.SendTime(L("2027-11-24T08:00"), z), z), "2027-11-23T08:00:00+01:00");
  // Reasons name the lead as the firm wrote it.
  EXPECT_EQ(d1.Describe(), "1d before");
  EXPECT_EQ(h24.Describe(), "24h before");
  EXPECT_EQ(d1h2.Describe(), "1d2h before");
}

// --- DST: 2026-03-29 (spring forward) and 2026-10-25 (fall back) ---------------

class DstTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DstTest, DayLeadKeepsLocalTimeAcrossSpringForward) {
  const char* zone = GetParam();
  // Appointment Monday 2026-03-30 08:00 CEST; 1d before is Sunday 08:00 CEST
  // (23 h of elapsed time, not 24).
  EXPECT_EQ(At(Days(1).SendTime(L("2026-03-30T08:00"), zone), zone),
            "2026-03-29T08:00:00+02:00");
  // Appointment on the change day at 10:00 CEST; 1d before is Saturday 10:00 CET.
  EXPECT_EQ(At(Days(1).SendTime(L("2026-03-29T10:00"), zone), zone),
            "2026-03-28T10:00:00+01:00");
  // 2h before 04:00 CEST on the change day is 01:00 CET (elapsed time).
  EXPECT_EQ(At(Lead(2h).SendTime(L("2026-03-29T04:00"), zone), zone),
            "2026-03-29T01:00:00+01:00");
}

TEST_P(DstTest, DayLeadKeepsLocalTimeAcrossFallBack) {
  const char* zone = GetParam();
  EXPECT_EQ(At(Days(1).SendTime(L("2026-10-26T08:00"), zone), zone),
            "2026-10-25T08:00:00+01:00");
  EXPECT_EQ(At(Days(1).SendTime(L("2026-10-25T09:00"), zone), zone),
            "2026-10-24T09:00:00+02:00");
  // 2h before 03:30 CET is 02:30 CEST (the first 02:30; elapsed time).
  EXPECT_EQ(At(Lead(2h).SendTime(L("2026-10-25T03:30"), zone), zone),
            "2026-10-25T02:30:00+02:00");
  // Rounding inside the repeated hour stays in its own occurrence:
  // 1h before 03:10 CET is 02:10 CET -> 02:00 CET, not 02:00 CEST.
  EXPECT_EQ(At(Lead(1h).SendTime(L("2026-10-25T03:10"), zone), zone),
            "2026-10-25T02:00:00+01:00");
}

TEST_P(DstTest, FixedTimeAcrossChange) {
  const char* zone = GetParam();
  ReminderRule r = Lead(24h);
  r.at = 18h;
  EXPECT_EQ(At(r.SendTime(L("2026-03-30T08:00"), zone), zone), "2026-03-29T18:00:00+02:00");
  EXPECT_EQ(At(r.SendTime(L("2026-10-26T08:00"), zone), zone), "2026-10-25T18:00:00+01:00");
}

TEST_P(DstTest, QuietHoursAcrossChange) {
  const char* zone = GetParam();
  QuietHours q;  // 20:00-08:00
  // 2h before Monday 2026-03-30 07:00 is 05:00 CEST: moves to Sunday 20:00 CEST.
  EXPECT_EQ(At(q.MoveEarlier(I("2026-03-30T05:00:00+02:00"), zone), zone),
            "2026-03-29T20:00:00+02:00");
  // Inside the night of the change itself: 2026-03-29 06:00 CEST -> Saturday 20:00 CET.
  EXPECT_EQ(At(q.MoveEarlier(I("2026-03-29T06:00:00+02:00"), zone), zone),
            "2026-03-28T20:00:00+01:00");
  EXPECT_EQ(At(q.MoveEarlier(I("2026-10-25T06:00:00+01:00"), zone), zone),
            "2026-10-24T20:00:00+02:00");
  EXPECT_EQ(At(q.MoveLater(I("2026-10-24T23:00:00+02:00"), zone), zone),
            "2026-10-25T08:00:00+01:00");
}

TEST_P(DstTest, DateOnlyAppointmentAcrossChange) {
  const char* zone = GetParam();
  AppointmentStart monday;  // 2026-03-30, no time: the day before is the change day
  monday.date = L("2026-03-30T00:00");
  EXPECT_EQ(At(Lead(24h).SendTime(monday, zone, 10h), zone), "2026-03-29T10:00:00+02:00");
  EXPECT_EQ(At(Lead(48h).SendTime(monday, zone, 10h), zone), "2026-03-28T10:00:00+01:00");
  AppointmentStart after_fall_back;
  after_fall_back.date = L("2026-10-26T00:00");
  EXPECT_EQ(At(Lead(24h).SendTime(after_fall_back, zone, 10h), zone), "2026-10-25T10:00:00+01:00");
  EXPECT_EQ(At(Lead(48h).SendTime(after_fall_back, zone, 10h), zone), "2026-10-24T10:00:00+02:00");
}

INSTANTIATE_TEST_SUITE_P(Zones, DstTest, ::testing::Values("Europe/Vienna", "Europe/Berlin"));

// --- Quiet hours ----------------------------------------------------------------

TEST(QuietHoursTest, BoundariesAreAllowed) {
  QuietHours q;
  const char* z = "Europe/Vienna";
  EXPECT_FALSE(q.Contains(I("2026-11-23T20:00:00+01:00"), z));
  EXPECT_TRUE(q.Contains(I("2026-11-23T20:00:01+01:00"), z));
  EXPECT_TRUE(q.Contains(I("2026-11-24T03:00:00+01:00"), z));
  EXPECT_TRUE(q.Contains(I("2026-11-24T07:59:59+01:00"), z));
  EXPECT_FALSE(q.Contains(I("2026-11-24T08:00:00+01:00"), z));
  EXPECT_FALSE(q.Contains(I("2026-11-24T12:00:00+01:00"), z));
}

TEST(QuietHoursTest, MovesEarlierToEndOfLastAllowedWindow) {
  QuietHours q;
  const char* z = "Europe/Vienna";
  EXPECT_EQ(At(q.MoveEarlier(I("2026-11-24T06:00:00+01:00"), z), z), "2026-11-23T20:00:00+01:00");
  EXPECT_EQ(At(q.MoveEarlier(I("2026-11-23T22:15:00+01:00"), z), z), "2026-11-23T20:00:00+01:00");
  EXPECT_EQ(At(q.MoveEarlier(I("2026-11-23T10:00:00+01:00"), z), z), "2026-11-23T10:00:00+01:00");
}

TEST(QuietHoursTest, PeriodWithinOneDayAndDisabled) {
  QuietHours lunch{12h, 13h};
  const char* z = "Europe/Vienna";
  EXPECT_EQ(At(lunch.MoveEarlier(I("2026-11-23T12:30:00+01:00"), z), z),
            "2026-11-23T12:00:00+01:00");
  EXPECT_FALSE(lunch.Contains(I("2026-11-23T22:00:00+01:00"), z));
  QuietHours none{8h, 8h};
  EXPECT_FALSE(none.Contains(I("2026-11-23T03:00:00+01:00"), z));
}

// --- Timing: quiet hours + late arrival ------------------------------------------

TEST(TimingTest, OnTimeReminderIsPlannedAtItsTime) {
  const char* z = "Europe/Vienna";
  Timing t = DecideTiming(I("2026-11-23T08:00:00+01:00"), I("2026-11-24T08:00:00+01:00"),
                          I("2026-11-20T10:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  ASSERT_TRUE(t.send);
  EXPECT_EQ(At(t.due, z), "2026-11-23T08:00:00+01:00");
  EXPECT_EQ(t.reason, "1d before");
}

TEST(TimingTest, QuietHoursMoveEarlierWithReason) {
  const char* z = "Europe/Vienna";
  Timing t = DecideTiming(I("2026-11-24T06:00:00+01:00"), I("2026-11-24T08:00:00+01:00"),
                          I("2026-11-20T10:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "2h before");
  ASSERT_TRUE(t.send);
  EXPECT_EQ(At(t.due, z), "2026-11-23T20:00:00+01:00");
  EXPECT_NE(t.reason.find("quiet hours 20:00-08:00"), std::string::npos) << t.reason;
}

TEST(TimingTest, LateArrivalWithEnoughTimeIsSentAtOnce) {
  const char* z = "Europe/Vienna";
  // Reminder was due yesterday 08:00; it is now 10:00, appointment at 14:00: 4h remain.
  Timing t = DecideTiming(I("2026-11-23T14:00:00+01:00"), I("2026-11-24T14:00:00+01:00"),
                          I("2026-11-24T10:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  ASSERT_TRUE(t.send);
  EXPECT_EQ(At(t.due, z), "2026-11-24T10:00:00+01:00");
  EXPECT_NE(t.reason.find("sent at once"), std::string::npos) << t.reason;
}

TEST(TimingTest, LateArrivalWithLessThanTwoHoursIsSkipped) {
  const char* z = "Europe/Vienna";
  Timing t = DecideTiming(I("2026-11-23T14:00:00+01:00"), I("2026-11-24T14:00:00+01:00"),
                          I("2026-11-24T12:30:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  EXPECT_FALSE(t.send);
  EXPECT_NE(t.reason.find("only 1h30m remain"), std::string::npos) << t.reason;
}

TEST(TimingTest, LatePolicySkipAndStartedAppointment) {
  const char* z = "Europe/Vienna";
  LatePolicy skip;
  skip.action = LatePolicy::Action::kSkip;
  Timing t = DecideTiming(I("2026-11-23T14:00:00+01:00"), I("2026-11-24T14:00:00+01:00"),
                          I("2026-11-24T08:00:00+01:00"), QuietHours{}, skip, z, "1d before");
  EXPECT_FALSE(t.send);
  EXPECT_NE(t.reason.find("late policy: skip"), std::string::npos) << t.reason;
  t = DecideTiming(I("2026-11-23T14:00:00+01:00"), I("2026-11-24T14:00:00+01:00"),
                   I("2026-11-24T14:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  EXPECT_FALSE(t.send);
  EXPECT_NE(t.reason.find("already started"), std::string::npos) << t.reason;
}

TEST(TimingTest, LateArrivalDuringQuietHoursWaitsForTheirEnd) {
  const char* z = "Europe/Vienna";
  // Arrives 23:00, appointment tomorrow 13:00: sent at 08:00 (5h remain).
  Timing t = DecideTiming(I("2026-11-23T13:00:00+01:00"), I("2026-11-24T13:00:00+01:00"),
                          I("2026-11-23T23:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  ASSERT_TRUE(t.send);
  EXPECT_EQ(At(t.due, z), "2026-11-24T08:00:00+01:00");
  // Appointment at 09:00: only 1h would remain after quiet hours -> skipped.
  t = DecideTiming(I("2026-11-23T09:00:00+01:00"), I("2026-11-24T09:00:00+01:00"),
                   I("2026-11-23T23:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "1d before");
  EXPECT_FALSE(t.send);
  EXPECT_NE(t.reason.find("after quiet hours"), std::string::npos) << t.reason;
}

TEST(TimingTest, NeverAtOrAfterTheAppointment) {
  const char* z = "Europe/Vienna";
  // A rule that lands on the start itself (e.g. weekday rule on the same minute).
  Timing t = DecideTiming(I("2026-11-24T08:00:00+01:00"), I("2026-11-24T08:00:00+01:00"),
                          I("2026-11-20T08:00:00+01:00"), QuietHours{}, LatePolicy{}, z, "x");
  EXPECT_FALSE(t.send);
}

}  // namespace
}  // namespace kehrbote
