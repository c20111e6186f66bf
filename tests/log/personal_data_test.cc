#include "shared/log/personal_data.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

TEST(MaskPersonalDataTest, MasksNumbersAsTyped) {
  EXPECT_EQ(MaskPersonalData("to 0664 / 1234567 failed"), "to 0664 / *****67 failed");
  EXPECT_EQ(MaskPersonalData("+436641234567: ok"), "+4366******67: ok");
  EXPECT_EQ(MaskPersonalData("(0316) 123456"), "(0316) ****56");
  EXPECT_EQ(MaskPersonalData("from=00436641234567&x"), "from=0043********67&x");
}

TEST(MaskPersonalDataTest, MasksEmailAddresses) {
  EXPECT_EQ(MaskPersonalData("RCPT max.mustermann@example.at refused."),
            "RCPT m***@example.at refused.");
  EXPECT_EQ(MaskPersonalData("<a@b.de>, <c.d@e.com>"), "<a***@b.de>, <c***@e.com>");
}

TEST(MaskPersonalDataTest, LeavesTimesIdsAndEndpointsReadable) {
  for (const char* s :
       {"2026-11-23T05:00:01Z pass at 2026-11-23T06:00:00+01:00", "message 1234567890 retried",
        "token 0a1b2c3d4e5f60718293", "sftp kehrbote@127.0.0.1:2222", "user@localhost",
        "v0123456789", "+43********67 and m***@example.at", "10.0.0.1:8080 0.25 s"}) {
    EXPECT_EQ(MaskPersonalData(s), s);
  }
  // Digits spaced out like a typed number are taken for one (the safe side).
  EXPECT_EQ(MaskPersonalData("0 1 2 3 4 5 6"), "* * * * * 5 6");
}

TEST(MaskPersonalDataTest, MasksNamesWordByWord) {
  EXPECT_EQ(MaskName("Maria Huber-Moser"), "M**** H****-M****");
  EXPECT_EQ(MaskName("Özil"), "Ö***");
}

}  // namespace
}  // namespace kehrbote
