#include "agent/app/appointment_pipe.h"

#include <gtest/gtest.h>

#include <string>

namespace kehrbote {
namespace {

// A source of `count` numbered appointments that throws after `fail_after` of
// them (if set): the pipe's reader thread sees the real interface.
class CountingSource : public AppointmentSource {
 public:
  explicit CountingSource(int count, int fail_after = -1)
      : count_(count), fail_after_(fail_after) {}
  bool Next(Appointment* out) override {
    if (next_ == fail_after_) throw SourceError("row " + std::to_string(next_) + ": broken");
    if (next_ == count_) return false;
    out->id = "T-" + std::to_string(next_);
    where_ = "row " + std::to_string(next_);
    ++next_;
    return true;
  }
  const SourceReport& report() const override { return report_; }
  const std::string& where() const override { return where_; }
  std::string Describe() const override { return "counting"; }
  int read() const { return next_; }

 private:
  const int count_, fail_after_;
  int next_ = 0;
  std::string where_;
  SourceReport report_;
};

TEST(AppointmentPipeTest, HandsOutEveryAppointmentInOrderWithWhere) {
  CountingSource source(1000);
  AppointmentPipe pipe(source, /*batch_size=*/7, /*batches=*/3);
  int n = 0;
  while (const Appointment* a = pipe.Next()) {
    EXPECT_EQ(a->id, "T-" + std::to_string(n));
    EXPECT_EQ(pipe.where(), "row " + std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 1000);
  EXPECT_EQ(pipe.Next(), nullptr);
}

TEST(AppointmentPipeTest, EmptySource) {
  CountingSource source(0);
  AppointmentPipe pipe(source);
  EXPECT_EQ(pipe.Next(), nullptr);
}

// What was read before the failure comes first; then Next rethrows (every time).
TEST(AppointmentPipeTest, RethrowsTheSourceErrorAfterWhatCameBefore) {
  CountingSource source(1000, /*fail_after=*/25);
  AppointmentPipe pipe(source, /*batch_size=*/10, /*batches=*/2);
  int n = 0;
  try {
    while (pipe.Next()) ++n;
    FAIL() << "no exception";
  } catch (const SourceError& e) {
    EXPECT_STREQ(e.what(), "row 25: broken");
  }
  EXPECT_EQ(n, 20);  // the two full batches; the third was cut off by the failure
  EXPECT_THROW(pipe.Next(), SourceError);
}

// A consumer that stops early: the destructor stops and joins the reader, which
// reads at most the batches in flight, not the whole source.
TEST(AppointmentPipeTest, DestroyedEarlyStopsTheReader) {
  CountingSource source(1000000);
  {
    AppointmentPipe pipe(source, /*batch_size=*/10, /*batches=*/2);
    ASSERT_NE(pipe.Next(), nullptr);
  }
  EXPECT_LE(source.read(), 40);
}

}  // namespace
}  // namespace kehrbote
