#include "shared/time/zoned_time.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

LocalTime L(const char* s) { return *ParseLocalDateTime(s); }
Instant I(const char* s) { return *ParseRfc3339(s); }

TEST(ZonedTimeTest, WinterAndSummerOffsets) {
  EXPECT_EQ(ToInstant(L("2026-11-23T08:00"), "Europe/Vienna"), I("2026-11-23T07:00:00Z"));
  EXPECT_EQ(ToInstant(L("2026-07-01T08:00"), "Europe/Berlin"), I("2026-07-01T06:00:00Z"));
  EXPECT_EQ(FormatRfc3339(I("2026-11-23T05:00:00Z"), "Europe/Vienna"), "2026-11-23T06:00:00+01:00");
  EXPECT_EQ(FormatRfc3339(I("2026-07-01T05:00:00Z"), "Europe/Vienna"), "2026-07-01T07:00:00+02:00");
}

TEST(ZonedTimeTest, DstGapMovesForwardByTheGap) {
  // 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST; 02:30 does not exist.
  LocalTime gap = L("2026-03-29T02:30");
  EXPECT_EQ(ClassifyLocalTime(gap, "Europe/Vienna"), LocalTimeKind::kNonexistent);
  Instant at = ToInstant(gap, "Europe/Vienna");
  EXPECT_EQ(at, I("2026-03-29T01:30:00Z"));
  EXPECT_EQ(FormatRfc3339(at, "Europe/Vienna"), "2026-03-29T03:30:00+02:00");
  // Just before and after the gap are unique and an hour of wall time apart by 1 h real time.
  EXPECT_EQ(ToInstant(L("2026-03-29T01:59"), "Europe/Vienna"), I("2026-03-29T00:59:00Z"));
  EXPECT_EQ(ToInstant(L("2026-03-29T03:00"), "Europe/Vienna"), I("2026-03-29T01:00:00Z"));
}

TEST(ZonedTimeTest, DstOverlapTakesTheEarlierInstant) {
  // 2026-10-25: clocks fall back from 03:00 CEST to 02:00 CET; 02:30 happens twice.
  LocalTime twice = L("2026-10-25T02:30");
  EXPECT_EQ(ClassifyLocalTime(twice, "Europe/Berlin"), LocalTimeKind::kAmbiguous);
  Instant at = ToInstant(twice, "Europe/Berlin");
  EXPECT_EQ(at, I("2026-10-25T00:30:00Z"));
  EXPECT_EQ(FormatRfc3339(at, "Europe/Berlin"), "2026-10-25T02:30:00+02:00");
  // The second 02:30 (CET) is an hour later and maps back to the same wall time.
  EXPECT_EQ(ToLocal(I("2026-10-25T01:30:00Z"), "Europe/Berlin"), twice);
  EXPECT_EQ(ClassifyLocalTime(L("2026-10-25T03:00"), "Europe/Berlin"), LocalTimeKind::kUnique);
}

TEST(ZonedTimeTest, LocalRoundTripAcrossTheYear) {
  for (const char* zone : {"Europe/Vienna", "Europe/Berlin", "UTC", "America/New_York"}) {
    Instant start = I("2026-01-01T00:00:00Z");
    for (int h = 0; h < 24 * 365; h += 7) {
      Instant t = start + std::chrono::hours{h};
      LocalTime l = ToLocal(t, zone);
      if (ClassifyLocalTime(l, zone) == LocalTimeKind::kUnique) {
        ASSERT_EQ(ToInstant(l, zone), t) << zone << " " << FormatRfc3339Utc(t);
      }
    }
  }
}

TEST(ZonedTimeTest, MonthsAreCountedInTheZone) {
  // 23:30 UTC on 30 November is already December in Vienna.
  MonthSpan dec = LocalMonthOf(*ParseRfc3339("2026-11-30T23:30:00Z"), "Europe/Vienna");
  EXPECT_EQ(FormatRfc3339Utc(dec.from), "2026-11-30T23:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(dec.to), "2026-12-31T23:00:00Z");
  // March has the spring clock change: it starts at UTC+1 and ends at UTC+2.
  MonthSpan march = LocalMonth(2026, 3, "Europe/Berlin");
  EXPECT_EQ(FormatRfc3339Utc(march.from), "2026-02-28T23:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(march.to), "2026-03-31T22:00:00Z");
  // December rolls over into the next year.
  EXPECT_EQ(FormatRfc3339Utc(LocalMonth(2026, 12, "Europe/Vienna").to), "2026-12-31T23:00:00Z");
}

TEST(ZonedTimeTest, UnknownZoneIsAnErrorNamingIt) {
  EXPECT_FALSE(IsKnownTimeZone("Europe/Wien"));
  EXPECT_TRUE(IsKnownTimeZone("Europe/Vienna"));
  try {
    ToInstant(L("2026-11-23T08:00"), "Europe/Wien");
    FAIL();
  } catch (const TimeZoneError& e) {
    EXPECT_NE(std::string(e.what()).find("Europe/Wien"), std::string::npos);
  }
}

TEST(ZonedTimeTest, Rfc3339Parsing) {
  EXPECT_EQ(I("2026-11-23T06:00:00+01:00"), I("2026-11-23T05:00:00Z"));
  EXPECT_EQ(I("2026-11-23T06:00:00.123-02:30"), I("2026-11-23T08:30:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-23T06:00:00"));       // no offset
  EXPECT_FALSE(ParseRfc3339("2026-02-30T06:00:00Z"));      // no such day
  EXPECT_FALSE(ParseRfc3339("2026-11-23T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-23T06:00:00+01:00x"));
  EXPECT_EQ(FormatRfc3339Utc(I("2026-11-23T06:00:00+01:00")), "2026-11-23T05:00:00Z");
}

TEST(ZonedTimeTest, DatesAndTimesOfDay) {
  EXPECT_EQ(FormatLocalDate(*ParseLocalDate("2028-02-29")), "2028-02-29");
  EXPECT_FALSE(ParseLocalDate("2026-02-29"));
  EXPECT_FALSE(ParseLocalDate("26-02-01"));
  EXPECT_EQ(FormatLocalDateTime(L("2026-11-23T08:30")), "2026-11-23T08:30:00");
  EXPECT_EQ(ParseTimeOfDay("08:30"), std::chrono::minutes{510});
  EXPECT_FALSE(ParseTimeOfDay("24:00"));
  EXPECT_FALSE(ParseTimeOfDay("8:30"));
  EXPECT_EQ(FormatTimeOfDay(std::chrono::minutes{510}), "08:30");
}

}  // namespace
}  // namespace kehrbote
