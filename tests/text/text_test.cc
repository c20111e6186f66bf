#include <gtest/gtest.h>

#include "shared/text/csv_field.h"
#include "shared/text/edit_distance.h"
#include "shared/text/hex.h"
#include "shared/text/json_pointer.h"
#include "shared/text/json_string.h"

namespace kehrbote {
namespace {

TEST(JsonStringTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonQuote("Müller „Haus“"), "\"Müller „Haus“\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("1\n2\t3\r\b\f"), "\"1\\n2\\t3\\r\\b\\f\"");
  EXPECT_EQ(JsonQuote(std::string_view("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  std::string out = "x=";
  AppendJsonEscaped(out, "\"");
  EXPECT_EQ(out, "x=\\\"");
}

TEST(JsonPointerTest, EscapesTildeAndSlashInTokens) {
  std::string pointer;
  AppendJsonPointerToken(pointer, "appointments");
  AppendJsonPointerToken(pointer, "7");
  EXPECT_EQ(pointer, "/appointments/7");
  AppendJsonPointerToken(pointer, "a/b~c");
  EXPECT_EQ(pointer, "/appointments/7/a~1b~0c");
  pointer.clear();
  AppendJsonPointerToken(pointer, "~1");  // "~1" is a name here, not an escape
  EXPECT_EQ(pointer, "/~01");
  pointer.clear();
  AppendJsonPointerToken(pointer, "");  // the empty member name is a token too
  EXPECT_EQ(pointer, "/");
}

TEST(HexTest, EncodesBytesInLowerCase) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string_view("\x00\x0a\xff\x7f", 4)), "000aff7f");
  EXPECT_EQ(HexEncode("Kehr"), "4b656872");
}

TEST(HexTest, AppendsOneByteInEitherCase) {
  std::string out = "%";
  AppendHexByte(out, 0xAB, HexCase::kUpper);
  AppendHexByte(out, 0xAB);
  AppendHexByte(out, 0x05, HexCase::kUpper);
  EXPECT_EQ(out, "%ABab05");
}

TEST(CsvFieldTest, QuotesOnlyWhatMustBeQuoted) {
  EXPECT_EQ(CsvField("Müller"), "Müller");
  EXPECT_EQ(CsvField("Hauptplatz 1, Hof 2"), "\"Hauptplatz 1, Hof 2\"");
  EXPECT_EQ(CsvField("Bau \"Haus\" GmbH"), "\"Bau \"\"Haus\"\" GmbH\"");
  EXPECT_EQ(CsvField("Zeile 1\nZeile 2"), "\"Zeile 1\nZeile 2\"");
  EXPECT_EQ(CsvField(""), "");
}

TEST(EditDistanceTest, CountsEdits) {
  EXPECT_EQ(EditDistance("port", "port"), 0u);
  EXPECT_EQ(EditDistance("prot", "port"), 2u);
  EXPECT_EQ(EditDistance("frist_name", "first_name"), 2u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("Vorname", "Vornam"), 1u);
}

}  // namespace
}  // namespace kehrbote
