#include "shared/export/export_model.h"

#include <gtest/gtest.h>

#include "tests/export/export_test_data.h"

namespace kehrbote {
namespace {

using testing::Date;
using testing::Hm;

TEST(ExportModelTest, WireNamesRoundTrip) {
  for (auto c : {ContactChannel::kSms, ContactChannel::kEmail}) {
    EXPECT_EQ(ParseContactChannel(ToString(c)), c);
  }
  for (auto k : {AppointmentKind::kMainSweep, AppointmentKind::kSweep, AppointmentKind::kInspection,
                 AppointmentKind::kSpecial}) {
    EXPECT_EQ(ParseAppointmentKind(ToString(k)), k);
  }
  for (auto s : {AppointmentStatus::kScheduled, AppointmentStatus::kCancelled}) {
    EXPECT_EQ(ParseAppointmentStatus(ToString(s)), s);
  }
  EXPECT_EQ(ToString(AppointmentKind::kMainSweep), "main_sweep");
  EXPECT_EQ(ToString(ContactChannel::kEmail), "email");
  EXPECT_EQ(ToString(AppointmentStatus::kCancelled), "cancelled");
}

TEST(ExportModelTest, UnknownWireNamesAreRejected) {
  EXPECT_EQ(ParseContactChannel("SMS"), std::nullopt);
  EXPECT_EQ(ParseContactChannel("fax"), std::nullopt);
  EXPECT_EQ(ParseAppointmentKind("mainsweep"), std::nullopt);
  EXPECT_EQ(ParseAppointmentKind(""), std::nullopt);
  EXPECT_EQ(ParseAppointmentStatus("canceled"), std::nullopt);  // US spelling is not the wire name
}

TEST(ExportModelTest, EarliestIsTimeThenWindowStartThenMidnight) {
  AppointmentStart s;
  s.date = Date("2026-11-24");
  EXPECT_EQ(s.Earliest(), Date("2026-11-24"));
  s.window_from = Hm("08:00");
  s.window_to = Hm("12:00");
  EXPECT_EQ(FormatLocalDateTime(s.Earliest()), "2026-11-24T08:00:00");
  AppointmentStart t;
  t.date = Date("2026-11-24");
  t.time = Hm("13:45");
  EXPECT_EQ(FormatLocalDateTime(t.Earliest()), "2026-11-24T13:45:00");
}

}  // namespace
}  // namespace kehrbote
