#include "shared/sms/gsm_alphabet.h"

#include <gtest/gtest.h>

#include "shared/text/utf8.h"

namespace kehrbote {
namespace {

// 3GPP TS 23.038 6.2.1, basic table in code order 0x00..0x7F, without 0x1B (ESC).
const char* const kBasicTable =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
// 6.2.1.1, default extension table: ESC 0x0A 0x14 0x28 0x29 0x2F 0x3C 0x3D 0x3E 0x40 0x65.
const char* const kExtensionTable = "\f^{}\\[~]|€";

TEST(GsmAlphabetTest, BasicTableCostsOneSeptet) {
  const std::u32string basic = DecodeUtf8(kBasicTable);
  ASSERT_EQ(basic.size(), 127u);
  for (char32_t c : basic) EXPECT_EQ(GsmSeptets(c), 1) << "U+" << std::hex << static_cast<unsigned>(c);
}

TEST(GsmAlphabetTest, ExtensionTableCostsTwoSeptets) {
  const std::u32string ext = DecodeUtf8(kExtensionTable);
  ASSERT_EQ(ext.size(), 10u);
  for (char32_t c : ext) EXPECT_EQ(GsmSeptets(c), 2) << "U+" << std::hex << static_cast<unsigned>(c);
}

TEST(GsmAlphabetTest, NothingElseIsRepresentable) {
  // Over the whole Unicode range: exactly the 127 + 10 characters above.
  int basic = 0, extension = 0;
  for (char32_t c = 0; c <= 0x10FFFF; ++c) {
    const int septets = GsmSeptets(c);
    ASSERT_TRUE(septets == 0 || septets == 1 || septets == 2);
    basic += septets == 1;
    extension += septets == 2;
  }
  EXPECT_EQ(basic, 127);
  EXPECT_EQ(extension, 10);
}

TEST(GsmAlphabetTest, CommonNonGsmCharacters) {
  for (char32_t c : DecodeUtf8("`áçÀÈíóúâêëïãõ„“”‘’–—…\t\x1B\u00A0αЖ😀")) {
    EXPECT_EQ(GsmSeptets(c), 0) << "U+" << std::hex << static_cast<unsigned>(c);
  }
  EXPECT_EQ(GsmSeptets(0), 0);  // NUL is not '@'
}

TEST(GsmAlphabetTest, IsGsmText) {
  EXPECT_TRUE(IsGsmText(DecodeUtf8("Grüße aus Wien, 12 € [ok]")));
  EXPECT_TRUE(IsGsmText(U""));
  EXPECT_FALSE(IsGsmText(DecodeUtf8("„Grüße“")));
}

}  // namespace
}  // namespace kehrbote
