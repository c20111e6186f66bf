#include "shared/text/utf8.h"

#include <gtest/gtest.h>

#include <random>

namespace kehrbote {
namespace {

TEST(Utf8Test, DecodesOneToFourByteSequences) {
  // "a", "ä" (2 bytes), "€" (3 bytes), "😀" (4 bytes).
  EXPECT_EQ(DecodeUtf8("a\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80"),
            (std::u32string{U'a', 0xE4, 0x20AC, 0x1F600}));
  EXPECT_EQ(DecodeUtf8(""), U"");
  EXPECT_EQ(DecodeUtf8(std::string_view("a\0b", 3)), (std::u32string{U'a', 0, U'b'}));
}

TEST(Utf8Test, EncodeIsInverseOfDecode) {
  const std::u32string samples = {0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, U'ß'};
  const std::string encoded = EncodeUtf8(samples);
  EXPECT_EQ(encoded,
            "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\xC3\x9F");
  EXPECT_EQ(DecodeUtf8(encoded), samples);
}

struct BadInput {
  std::string bytes;
  std::size_t offset;
  std::string reason;
};

TEST(Utf8Test, RejectsMalformedInputWithOffsetAndReason) {
  const BadInput cases[] = {
      {"\xC3\x28", 0, "bad continuation byte"},
      {"ab\x80", 2, "unexpected continuation byte"},
      {"x\xC0\xAF", 1, "overlong encoding"},              // '/' in 2 bytes
      {"\xE0\x80\xAF", 0, "overlong encoding"},           // '/' in 3 bytes
      {"\xF0\x82\x82\xAC", 0, "overlong encoding"},       // '€' in 4 bytes
      {"ok\xED\xA0\x80", 2, "encoded UTF-16 surrogate"},  // U+D800 (CESU-8)
      {"\xF4\x90\x80\x80", 0, "code point above U+10FFFF"},
      {"\xF5\x80\x80\x80", 0, "byte never valid in UTF-8"},
      {"\xFF", 0, "byte never valid in UTF-8"},
      {"Gr\xC3", 2, "truncated sequence"},
      {"\xF0\x9F\x98", 0, "truncated sequence"},  // emoji cut off
      {"\xE2\x82"
       "A",
       0, "bad continuation byte"},
      {"M\xFC"
       "ller",
       1, "byte never valid in UTF-8"},  // Latin-1 "Müller"
      {"Gr\xE4"
       "fin",
       2, "bad continuation byte"},  // Latin-1 "Gräfin"
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.reason + " at " + std::to_string(c.offset));
    try {
      DecodeUtf8(c.bytes);
      ADD_FAILURE() << "accepted malformed input";
    } catch (const InvalidUtf8Error& e) {
      EXPECT_EQ(e.byte_offset(), c.offset);
      const std::string what = e.what();
      EXPECT_NE(what.find("at byte " + std::to_string(c.offset)), std::string::npos) << what;
      EXPECT_NE(what.find(c.reason), std::string::npos) << what;
    }
  }
}

TEST(Utf8Test, MessageShowsTheOffendingBytes) {
  try {
    DecodeUtf8(
        "Gr\xE4"
        "fin");
    FAIL();
  } catch (const InvalidUtf8Error& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte 2: 0xE4 0x66 (bad continuation byte)");
  }
}

TEST(Utf8Test, RandomBytesAreDecodedExactlyOrRefused) {
  // Strict UTF-8 is a bijection: whatever is accepted re-encodes to the same bytes.
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> byte(0, 255), length(1, 12);
  int accepted = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string bytes(length(rng), '\0');
    for (char& b : bytes) b = static_cast<char>(byte(rng) < 128 ? byte(rng) & 0x7F : byte(rng));
    try {
      EXPECT_EQ(EncodeUtf8(DecodeUtf8(bytes)), bytes);
      ++accepted;
    } catch (const InvalidUtf8Error& e) {
      EXPECT_LT(e.byte_offset(), bytes.size());
    }
  }
  EXPECT_GT(accepted, 500);  // the property was exercised on valid input too
}

TEST(Utf8Test, DecodesOneSequenceFromTheFront) {
  Utf8Sequence s = DecodeUtf8Sequence("\xE2\x82\xAC and more");
  EXPECT_EQ(s.error, nullptr);
  EXPECT_EQ(s.code_point, U'\u20AC');
  EXPECT_EQ(s.length, 3u);
  s = DecodeUtf8Sequence(std::string_view("\0", 1));
  EXPECT_EQ(s.error, nullptr);
  EXPECT_EQ(s.code_point, 0u);
  EXPECT_EQ(s.length, 1u);
  s = DecodeUtf8Sequence("\xF4\x8F\xBF\xBF");  // U+10FFFF, the last code point
  EXPECT_EQ(s.error, nullptr);
  EXPECT_EQ(s.code_point, 0x10FFFFu);
  EXPECT_EQ(s.length, 4u);
}

TEST(Utf8Test, SequenceErrorsCoverTheBytesTheyAreAbout) {
  struct Case {
    std::string bytes;
    std::size_t length;
    std::string reason;
  };
  const Case cases[] = {
      {"\x80", 1, "unexpected continuation byte"},
      {"\xFE", 1, "byte never valid in UTF-8"},
      {"\xC0", 1, "overlong encoding"},  // only one byte there to show
      {"\xC1\xBF", 2, "overlong encoding"},
      {"\xE0\x9F\xBF", 3, "overlong encoding"},
      {"\xED\xBF\xBF", 3, "encoded UTF-16 surrogate"},  // U+DFFF
      {"\xF4\x90\x80\x80", 4, "code point above U+10FFFF"},
      {"\xE2\x82", 2, "truncated sequence"},
      {"\xE2\x28\xAC", 2, "bad continuation byte"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    const Utf8Sequence s = DecodeUtf8Sequence(c.bytes);
    ASSERT_NE(s.error, nullptr);
    EXPECT_EQ(s.error, c.reason);
    EXPECT_EQ(s.length, c.length);
  }
}

TEST(Utf8Test, SequenceLengthFollowsTheLeadByte) {
  EXPECT_EQ(Utf8SequenceLength('a'), 1u);
  EXPECT_EQ(Utf8SequenceLength(0x80), 1u);  // a continuation byte leads nothing
  EXPECT_EQ(Utf8SequenceLength(0xC0), 2u);  // overlong, but claims two bytes
  EXPECT_EQ(Utf8SequenceLength(0xC3), 2u);
  EXPECT_EQ(Utf8SequenceLength(0xE2), 3u);
  EXPECT_EQ(Utf8SequenceLength(0xF0), 4u);
  EXPECT_EQ(Utf8SequenceLength(0xF4), 4u);
  EXPECT_EQ(Utf8SequenceLength(0xF5), 1u);
  EXPECT_EQ(Utf8SequenceLength(0xFF), 1u);
}

TEST(Utf8Test, LengthCountsCodePointsOrRefuses) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("Gr\xC3\xBC\xC3\x9F Gott \xF0\x9F\x98\x80"), 11u);
  EXPECT_EQ(Utf8Length("Gr\xFC\xDF"), std::string::npos);      // Latin-1
  EXPECT_EQ(Utf8Length("ok\xED\xA0\x80"), std::string::npos);  // surrogate
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98"), std::string::npos);    // truncated
  EXPECT_EQ(Utf8Length("\xC0\xAF"), std::string::npos);        // overlong '/'
}

TEST(Utf8Test, Utf16Units) {
  EXPECT_EQ(Utf16Units(U'a'), 1);
  EXPECT_EQ(Utf16Units(0xFFFF), 1);
  EXPECT_EQ(Utf16Units(0x10000), 2);
  EXPECT_EQ(Utf16Units(0x1F600), 2);
}

}  // namespace
}  // namespace kehrbote
