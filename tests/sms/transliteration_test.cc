#include "shared/sms/transliteration.h"

#include <gtest/gtest.h>

#include "shared/sms/gsm_alphabet.h"
#include "shared/text/utf8.h"

namespace kehrbote {
namespace {

std::string ToGsm(const std::string& utf8) {
  return EncodeUtf8(Transliterate(DecodeUtf8(utf8), TransliterationScope::kGsm).text);
}
std::string Typography(const std::string& utf8) {
  return EncodeUtf8(Transliterate(DecodeUtf8(utf8), TransliterationScope::kTypography).text);
}

TEST(TransliterationTest, KeepsEveryGermanAustrianAndOtherGsmLetter) {
  const std::string kept = "äöüÄÖÜß éèùìòàÉ ØøÅåÆæñÑÇ €[]{}|~^\\ @£$¥§¤¡¿ ΔΦΓΛΩΠΨΣΘΞ _\r\n\f";
  for (auto scope : {TransliterationScope::kGsm, TransliterationScope::kTypography}) {
    Transliteration t = Transliterate(DecodeUtf8(kept), scope);
    EXPECT_EQ(EncodeUtf8(t.text), kept);
    EXPECT_TRUE(t.changes.empty());
  }
}

TEST(TransliterationTest, NoRuleTouchesAGsmCharacter) {
  for (char32_t c = 0; c < 0x10000; ++c) {
    if (!IsGsmCharacter(c)) continue;
    Transliteration t = Transliterate(std::u32string(1, c), TransliterationScope::kGsm);
    EXPECT_EQ(t.text, std::u32string(1, c)) << "U+" << std::hex << static_cast<unsigned>(c);
    EXPECT_TRUE(t.changes.empty()) << "U+" << std::hex << static_cast<unsigned>(c);
  }
}

TEST(TransliterationTest, ResultIsAlwaysGsmText) {
  // Every scalar value of the BMP and the emoji planes, in one text.
  std::u32string all;
  for (char32_t c = 0; c < 0x20000; ++c) {
    if (c < 0xD800 || c > 0xDFFF) all.push_back(c);
  }
  // Every ASCII letter with every combining diacritic (decomposed input).
  for (char32_t base = U'A'; base <= U'z'; ++base) {
    for (char32_t mark = 0x0300; mark <= 0x036F; ++mark) {
      all.push_back(base);
      all.push_back(mark);
    }
  }
  Transliteration t = Transliterate(all, TransliterationScope::kGsm);
  EXPECT_TRUE(IsGsmText(t.text));
}

TEST(TransliterationTest, TypographicQuotesAndApostrophes) {
  EXPECT_EQ(ToGsm("„Hauptkehrung“ “A” ‟B” «C» ″"), "\"Hauptkehrung\" \"A\" \"B\" \"C\" \"");
  EXPECT_EQ(ToGsm("‚x‘ ‘y’ ‛z’ ‹w› Andi’s Rauchfang´s `q` ʼ ′"),
            "'x' 'y' 'z' 'w' Andi's Rauchfang's 'q' ' '");
  EXPECT_EQ(Typography("„Hauptkehrung“ ‹w›"), "\"Hauptkehrung\" 'w'");
}

TEST(TransliterationTest, DashesAndMinus) {
  EXPECT_EQ(ToGsm("08:00–12:00 a—b c‐d e‑f g‒h i―j −5"), "08:00-12:00 a-b c-d e-f g-h i-j -5");
  EXPECT_EQ(Typography("08:00–12:00"), "08:00-12:00");
}

TEST(TransliterationTest, EllipsisSpacesAndLineBreaks) {
  EXPECT_EQ(ToGsm("Bis bald…"), "Bis bald...");
  // no-break, thin, narrow no-break, figure, em, ideographic space; tab.
  EXPECT_EQ(ToGsm("a\u00A0b\u2009c\u202Fd\u2007e\u2003f\u3000g\th"), "a b c d e f g h");
  EXPECT_EQ(ToGsm("a\u2028b\u2029c\u0085d"), "a\nb\nc\nd");
  EXPECT_EQ(Typography("12\u00A0€ …"), "12 € ...");
}

TEST(TransliterationTest, InvisibleFormattingRemovedAsReplacementNotLoss) {
  Transliteration t = Transliterate(DecodeUtf8("Kehr\u00ADbote\u200B\u200D\uFEFF\u2060\uFE0F!"),
                                    TransliterationScope::kTypography);
  EXPECT_EQ(EncodeUtf8(t.text), "Kehrbote!");
  EXPECT_EQ(t.changes.size(), 6u);
  EXPECT_FALSE(t.HasDropped());
}

TEST(TransliterationTest, AccentedLettersOutsideGsmToBaseLetter) {
  EXPECT_EQ(ToGsm("á í ó ú â ê î ô û ë ï ã õ ç ý ÿ"), "a i o u a e i o u e i a o c y y");
  EXPECT_EQ(ToGsm("Á Í Ó Ú Â Ê Î Ô Û Ë Ï Ã Õ À È Ì Ò Ù Ý"),
            "A I O U A E I O U E I A O A E I O U Y");
  // Kept ones stay right next to transliterated ones.
  EXPECT_EQ(ToGsm("Müller-Lüdenscheidt, José, Françoise Hôtel"),
            "Müller-Lüdenscheidt, José, Francoise Hotel");
}

TEST(TransliterationTest, CentralAndEasternEuropeanNames) {
  EXPECT_EQ(ToGsm("Dvořák Łódź Škoda Đoković Čapek Żółć Ştefan Ștefan Țara"),
            "Dvorak Lodz Skoda Dokovic Capek Zolc Stefan Stefan Tara");
  // Hungarian long umlauts become the GSM umlauts, not bare vowels.
  EXPECT_EQ(ToGsm("Őry Szűcs ŐŰ"), "Öry Szücs ÖÜ");
}

TEST(TransliterationTest, AutoflexSymbolTable) {
  EXPECT_EQ(ToGsm("œ Œ Æ æ Þ þ Ð ð"), "oe OE Æ æ Th th D d");
  EXPECT_EQ(ToGsm("© ® ™ ½ ¼ ¾ ± ² ³ ¹ ° × ÷"), "(c) (r) (TM) 1/2 1/4 3/4 +- 2 3 1 deg x /");
  EXPECT_EQ(ToGsm("¢ ¬ µ ¶ ª º ¯ ¦"), "C/ ! u P a o - |");
  // Autoflex replaces these, but they are GSM characters and stay.
  EXPECT_EQ(ToGsm("€ [ ] { } | ~ ¡ £ ¥ § ¿ ß"), "€ [ ] { } | ~ ¡ £ ¥ § ¿ ß");
  EXPECT_EQ(ToGsm("№ 5 → ⇒ ← •"), "Nr. 5 -> => <- -");
}

TEST(TransliterationTest, TypographyScopeKeepsLettersAndEmoji) {
  Transliteration t =
      Transliterate(DecodeUtf8("„Café“ á 😀 Żółć"), TransliterationScope::kTypography);
  EXPECT_EQ(EncodeUtf8(t.text), "\"Café\" á 😀 Żółć");
  EXPECT_EQ(t.changes.size(), 2u);
}

TEST(TransliterationTest, DecomposedLettersAreComposed) {
  // "Grüße, José, Ångström, Niño" typed decomposed (base + combining mark).
  const std::string nfd = "Gru\u0308\u00DFe, Jose\u0301, A\u030Angstro\u0308m, Nin\u0303o";
  for (auto scope : {TransliterationScope::kGsm, TransliterationScope::kTypography}) {
    Transliteration t = Transliterate(DecodeUtf8(nfd), scope);
    EXPECT_EQ(EncodeUtf8(t.text), "Grüße, José, Ångström, Niño");
    EXPECT_FALSE(t.HasDropped());
  }
  // No GSM letter for À: the diacritic goes, the letter stays.
  EXPECT_EQ(ToGsm("A\u0300 e\u0302te"), "A ete");
  EXPECT_EQ(Typography("A\u0300"), "A\u0300");
}

TEST(TransliterationTest, EmojiAndOtherScriptsDroppedAndReported) {
  Transliteration t = Transliterate(DecodeUtf8("Hallo 😀! Иван 👍🏽"), TransliterationScope::kGsm);
  EXPECT_EQ(EncodeUtf8(t.text), "Hallo !  ");
  EXPECT_TRUE(t.HasDropped());
  ASSERT_EQ(t.changes.size(), 7u);  // 😀, И в а н, 👍, skin tone
  EXPECT_EQ(t.changes[0].kind, TextChange::Kind::kDropped);
  EXPECT_EQ(t.changes[0].original, "😀");
  EXPECT_EQ(t.changes[0].replacement, "");
  EXPECT_EQ(t.changes[0].byte_offset, 6u);
  EXPECT_EQ(t.changes[1].original, "И");
  EXPECT_EQ(t.changes[1].byte_offset, 12u);
  // Greek small letters are not in the GSM table (the capitals are).
  EXPECT_EQ(ToGsm("αβ ΔΣ"), " ΔΣ");
}

TEST(TransliterationTest, ControlCharactersDropped) {
  Transliteration t = Transliterate(DecodeUtf8(std::string("a\x01" "b\x7F" "c\0d", 7)),
                                    TransliterationScope::kTypography);
  EXPECT_EQ(EncodeUtf8(t.text), "abcd");
  EXPECT_EQ(t.changes.size(), 3u);
  EXPECT_TRUE(t.HasDropped());
}

TEST(TransliterationTest, ReportsReplacementsWithByteOffsets) {
  Transliteration t = Transliterate(DecodeUtf8("€ „á“"), TransliterationScope::kGsm);
  ASSERT_EQ(t.changes.size(), 3u);
  EXPECT_EQ(t.changes[0].original, "„");
  EXPECT_EQ(t.changes[0].replacement, "\"");
  EXPECT_EQ(t.changes[0].byte_offset, 4u);  // after "€" (3 bytes) and " "
  EXPECT_EQ(t.changes[1].original, "á");
  EXPECT_EQ(t.changes[1].replacement, "a");
  EXPECT_EQ(t.changes[1].byte_offset, 7u);
  EXPECT_EQ(t.changes[2].byte_offset, 9u);
  EXPECT_EQ(t.changes[2].kind, TextChange::Kind::kReplaced);
  EXPECT_FALSE(t.HasDropped());
}

}  // namespace
}  // namespace kehrbote
