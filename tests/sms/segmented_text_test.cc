#include "shared/sms/segmented_text.h"

#include <gtest/gtest.h>

#include <random>

namespace kehrbote {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Invariants every result must satisfy, whatever the input.
void ExpectConsistent(const SegmentedText& sms) {
  std::string joined;
  std::size_t units = 0;
  const bool gsm7 = sms.encoding() == SmsEncoding::kGsm7;
  const std::size_t limit = sms.segment_count() == 1
                                ? (gsm7 ? SegmentedText::kGsm7SingleSeptets
                                        : SegmentedText::kUcs2SingleUnits)
                                : (gsm7 ? SegmentedText::kGsm7PartSeptets
                                        : SegmentedText::kUcs2PartUnits);
  for (const SmsPart& part : sms.parts()) {
    joined += part.text;
    units += part.units;
    EXPECT_LE(part.units, limit);
    // Every part is valid UTF-8 on its own: no character was cut.
    EXPECT_NO_THROW(DecodeUtf8(part.text));
  }
  EXPECT_EQ(joined, sms.text());
  EXPECT_EQ(units, sms.units());
}

struct Boundary {
  int length;
  std::size_t segments;
};

TEST(SegmentedTextTest, Gsm7SegmentBoundaries) {
  for (Boundary b : {Boundary{1, 1}, Boundary{160, 1}, Boundary{161, 2}, Boundary{306, 2},
                     Boundary{307, 3}, Boundary{459, 3}, Boundary{460, 4}}) {
    SCOPED_TRACE(b.length);
    SegmentedText sms(Repeat("a", b.length), SmsPolicy::kGsm7Only);
    EXPECT_EQ(sms.encoding(), SmsEncoding::kGsm7);
    EXPECT_EQ(sms.units(), static_cast<std::size_t>(b.length));
    EXPECT_EQ(sms.segment_count(), b.segments);
    ExpectConsistent(sms);
  }
}

TEST(SegmentedTextTest, Gsm7PartsCarry153Septets) {
  SegmentedText sms(Repeat("a", 161), SmsPolicy::kGsm7Only);
  ASSERT_EQ(sms.segment_count(), 2u);
  EXPECT_EQ(sms.parts()[0].text, Repeat("a", 153));
  EXPECT_EQ(sms.parts()[1].text, Repeat("a", 8));
  EXPECT_EQ(sms.parts()[1].units, 8u);
}

TEST(SegmentedTextTest, UmlautsCountOneSeptet) {
  SegmentedText sms(Repeat("ä", 80) + Repeat("ß", 80), SmsPolicy::kGsm7Only);
  EXPECT_EQ(sms.units(), 160u);
  EXPECT_EQ(sms.segment_count(), 1u);
}

TEST(SegmentedTextTest, ExtensionCharacterCountsTwoSeptets) {
  EXPECT_EQ(SegmentedText("12 €", SmsPolicy::kGsm7Only).units(), 5u);
  EXPECT_EQ(SegmentedText("[]{}|~^\\\f", SmsPolicy::kGsm7Only).units(), 18u);
  // 158 + 2 = 160 fits a single SMS; 159 + 2 = 161 does not.
  EXPECT_EQ(SegmentedText(Repeat("a", 158) + "€", SmsPolicy::kGsm7Only).segment_count(), 1u);
  SegmentedText over(Repeat("a", 159) + "€", SmsPolicy::kGsm7Only);
  EXPECT_EQ(over.units(), 161u);
  ASSERT_EQ(over.segment_count(), 2u);
  EXPECT_EQ(over.parts()[1].text, "aaaaaa€");
}

TEST(SegmentedTextTest, ExtensionCharacterAtPartBoundaryMovesToNextPart) {
  // 152 septets, then "€" needs 2: only 1 is left, so the part ends at 152.
  SegmentedText sms(Repeat("a", 152) + "€" + Repeat("b", 10), SmsPolicy::kGsm7Only);
  EXPECT_EQ(sms.units(), 164u);
  ASSERT_EQ(sms.segment_count(), 2u);
  EXPECT_EQ(sms.parts()[0].text, Repeat("a", 152));
  EXPECT_EQ(sms.parts()[0].units, 152u);
  EXPECT_EQ(sms.parts()[1].text, "€" + Repeat("b", 10));
  EXPECT_EQ(sms.parts()[1].units, 12u);
  ExpectConsistent(sms);

  // 151 + 2 = 153 fills the part exactly.
  SegmentedText exact(Repeat("a", 151) + "€" + Repeat("b", 10), SmsPolicy::kGsm7Only);
  ASSERT_EQ(exact.segment_count(), 2u);
  EXPECT_EQ(exact.parts()[0].text, Repeat("a", 151) + "€");
  EXPECT_EQ(exact.parts()[0].units, 153u);
  EXPECT_EQ(exact.parts()[1].text, Repeat("b", 10));
}

TEST(SegmentedTextTest, ExtensionCharactersAtEveryOffset) {
  // Shifting a run of "€" across the boundary of parts 1/2 and 2/3.
  for (int shift = 0; shift < 4; ++shift) {
    SegmentedText sms(Repeat("a", shift) + Repeat("x€", 150), SmsPolicy::kGsm7Only);
    EXPECT_EQ(sms.units(), static_cast<std::size_t>(shift + 450));
    ExpectConsistent(sms);
  }
}

TEST(SegmentedTextTest, TransliterationCountsAfterReplacement) {
  // "…" becomes "..." (3 septets): 158 + 3 = 161.
  SegmentedText sms(Repeat("a", 158) + "…", SmsPolicy::kGsm7Only);
  EXPECT_EQ(sms.text(), Repeat("a", 158) + "...");
  EXPECT_EQ(sms.units(), 161u);
  EXPECT_EQ(sms.segment_count(), 2u);
}

TEST(SegmentedTextTest, Ucs2SegmentBoundaries) {
  for (Boundary b : {Boundary{70, 1}, Boundary{71, 2}, Boundary{134, 2}, Boundary{135, 3},
                     Boundary{201, 3}, Boundary{202, 4}}) {
    SCOPED_TRACE(b.length);
    SegmentedText sms(Repeat("Ж", b.length), SmsPolicy::kAllowUcs2);
    EXPECT_EQ(sms.encoding(), SmsEncoding::kUcs2);
    EXPECT_EQ(sms.units(), static_cast<std::size_t>(b.length));
    EXPECT_EQ(sms.segment_count(), b.segments);
    ExpectConsistent(sms);
  }
  SegmentedText two(Repeat("Ж", 71), SmsPolicy::kAllowUcs2);
  EXPECT_EQ(two.parts()[0].units, 67u);
  EXPECT_EQ(two.parts()[1].units, 4u);
}

TEST(SegmentedTextTest, EmojiCountsTwoUnits) {
  SegmentedText sms("Danke 😀", SmsPolicy::kAllowUcs2);
  EXPECT_EQ(sms.encoding(), SmsEncoding::kUcs2);
  EXPECT_EQ(sms.units(), 8u);
  // 68 + 2 = 70 single; 69 + 2 = 71 concatenated.
  EXPECT_EQ(SegmentedText(Repeat("a", 68) + "😀", SmsPolicy::kAllowUcs2).segment_count(), 1u);
  SegmentedText over(Repeat("a", 69) + "😀", SmsPolicy::kAllowUcs2);
  EXPECT_EQ(over.units(), 71u);
  ASSERT_EQ(over.segment_count(), 2u);
  EXPECT_EQ(over.parts()[1].text, "aa😀");
}

TEST(SegmentedTextTest, EmojiAtPartBoundaryMovesToNextPart) {
  // 66 units, then a surrogate pair: only 1 unit is left in the part.
  SegmentedText sms(Repeat("Ж", 66) + "😀" + Repeat("Ж", 10), SmsPolicy::kAllowUcs2);
  EXPECT_EQ(sms.units(), 78u);
  ASSERT_EQ(sms.segment_count(), 2u);
  EXPECT_EQ(sms.parts()[0].text, Repeat("Ж", 66));
  EXPECT_EQ(sms.parts()[0].units, 66u);
  EXPECT_EQ(sms.parts()[1].text, "😀" + Repeat("Ж", 10));
  EXPECT_EQ(sms.parts()[1].units, 12u);

  SegmentedText exact(Repeat("Ж", 65) + "😀" + Repeat("Ж", 10), SmsPolicy::kAllowUcs2);
  ASSERT_EQ(exact.segment_count(), 2u);
  EXPECT_EQ(exact.parts()[0].text, Repeat("Ж", 65) + "😀");
  EXPECT_EQ(exact.parts()[0].units, 67u);
}

TEST(SegmentedTextTest, EmojiAtEveryOffset) {
  for (int shift = 0; shift < 3; ++shift) {
    SegmentedText sms(Repeat("a", shift) + Repeat("😀", 100), SmsPolicy::kAllowUcs2);
    EXPECT_EQ(sms.units(), static_cast<std::size_t>(shift + 200));
    ExpectConsistent(sms);
  }
}

TEST(SegmentedTextTest, Gsm7OnlyNeverFallsIntoUcs2) {
  SegmentedText sms("„Grüß Gott“ – Termin am Mo., 08:00–12:00 😀 Kosten: 45 € …",
                    SmsPolicy::kGsm7Only);
  EXPECT_EQ(sms.encoding(), SmsEncoding::kGsm7);
  EXPECT_EQ(sms.text(), "\"Grüß Gott\" - Termin am Mo., 08:00-12:00  Kosten: 45 € ...");
  bool dropped_emoji = false;
  for (const TextChange& c : sms.changes()) {
    if (c.kind == TextChange::Kind::kDropped && c.original == "😀") dropped_emoji = true;
  }
  EXPECT_TRUE(dropped_emoji);
  // 58 characters, "€" counts 2.
  EXPECT_EQ(sms.units(), 59u);
}

TEST(SegmentedTextTest, AllowUcs2UsesGsm7WhenTypographyIsEnough) {
  SegmentedText sms("„Grüß Gott“ – bis bald…", SmsPolicy::kAllowUcs2);
  EXPECT_EQ(sms.encoding(), SmsEncoding::kGsm7);
  EXPECT_EQ(sms.text(), "\"Grüß Gott\" - bis bald...");
  EXPECT_EQ(sms.changes().size(), 4u);
}

TEST(SegmentedTextTest, AllowUcs2KeepsTextAsGivenWhenNotGsm) {
  const std::string given = "„Grüß Gott“ – Ihr Rauchfangkehrer 🧹 Horváth";
  SegmentedText sms(given, SmsPolicy::kAllowUcs2);
  EXPECT_EQ(sms.encoding(), SmsEncoding::kUcs2);
  EXPECT_EQ(sms.text(), given);
  EXPECT_TRUE(sms.changes().empty());
  // 43 code points, one of them outside the BMP.
  EXPECT_EQ(sms.units(), 44u);
  // An accented letter alone is reason enough: it is not replaced under this policy.
  EXPECT_EQ(SegmentedText("Horváth", SmsPolicy::kAllowUcs2).encoding(), SmsEncoding::kUcs2);
  EXPECT_EQ(SegmentedText("Horváth", SmsPolicy::kGsm7Only).text(), "Horvath");
}

TEST(SegmentedTextTest, RandomMixturesStayConsistent) {
  const char* const pieces[] = {"a", "€", "ä", "[", "„", "…", "😀", "Ж", "á", "\n", "\u00A0"};
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, std::size(pieces) - 1), length(0, 400);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text += pieces[pick(rng)];
    for (SmsPolicy policy : {SmsPolicy::kGsm7Only, SmsPolicy::kAllowUcs2}) {
      SegmentedText sms(text, policy);
      ExpectConsistent(sms);
      if (policy == SmsPolicy::kGsm7Only) {
        EXPECT_EQ(sms.encoding(), SmsEncoding::kGsm7);
      }
      // No part but the last is split early without cause: the next character
      // would not have fit.
      const std::size_t per_part = sms.encoding() == SmsEncoding::kGsm7
                                       ? SegmentedText::kGsm7PartSeptets
                                       : SegmentedText::kUcs2PartUnits;
      if (sms.segment_count() > 1) {
        for (std::size_t p = 0; p + 1 < sms.segment_count(); ++p) {
          EXPECT_GE(sms.parts()[p].units + 2, per_part + 1);
        }
      }
    }
  }
}

TEST(SegmentedTextTest, EmptyTextIsOneEmptyPart) {
  SegmentedText sms("", SmsPolicy::kGsm7Only);
  EXPECT_EQ(sms.units(), 0u);
  ASSERT_EQ(sms.segment_count(), 1u);
  EXPECT_EQ(sms.parts()[0].text, "");
}

TEST(SegmentedTextTest, InvalidUtf8IsRefused) {
  for (SmsPolicy policy : {SmsPolicy::kGsm7Only, SmsPolicy::kAllowUcs2}) {
    EXPECT_THROW(SegmentedText("Gr\xC3\xBC\xC3" "e", policy), InvalidUtf8Error);
    EXPECT_THROW(SegmentedText("M\xFC" "ller", policy), InvalidUtf8Error);
    EXPECT_THROW(SegmentedText("\xED\xA0\xBD\xED\xB8\x80", policy), InvalidUtf8Error);
  }
}

TEST(SegmentedTextTest, EncodingNames) {
  EXPECT_EQ(SmsEncodingName(SmsEncoding::kGsm7), "gsm7");
  EXPECT_EQ(SmsEncodingName(SmsEncoding::kUcs2), "ucs2");
}

}  // namespace
}  // namespace kehrbote
