#include "shared/export/json_pull_parser.h"

#include <gtest/gtest.h>

#include <sstream>


#include "shared/export/export_error.h"

namespace kehrbote {
namespace {

using Var = nlohmann::json;

Var Parse(const std::string& text) {
  std::istringstream in(text);
  JsonPullParser p(in, "t.json");
  Var v = p.ParseValue();
  p.ExpectEnd();
  return v;
}

// Parses and returns the error; fails the test if there is none.
ExportError ParseError(const std::string& text) {
  try {
    Parse(text);
  } catch (const ExportError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return ExportError("", "", "");
}

TEST(JsonPullParserTest, ParsesValuesOfEveryKind) {
  Var v = Parse(R"( {"a": [1, -2.5e1, true, false, null, "x"], "b": {"c": {}}, "d": []} )");
  const Var& a = v.at("a");
  ASSERT_EQ(a.size(), 6u);
  EXPECT_TRUE(a[0].is_number_integer());
  EXPECT_EQ(a[0].get<int>(), 1);
  EXPECT_TRUE(a[1].is_number_float());
  EXPECT_DOUBLE_EQ(a[1].get<double>(), -25.0);
  EXPECT_EQ(a[2], true);
  EXPECT_EQ(a[3], false);
  EXPECT_TRUE(a[4].is_null());
  EXPECT_EQ(a[5], "x");
  EXPECT_TRUE(v.at("b").at("c").is_object());
  EXPECT_EQ(v.at("b").at("c").size(), 0u);
  EXPECT_TRUE(v.at("d").is_array());
  EXPECT_EQ(v.at("d").size(), 0u);
}

TEST(JsonPullParserTest, DecodesEscapesAndSurrogatePairsToUtf8) {
  Var v = Parse(R"("\"\\\/\b\f\n\r\t \u00e4\u201E \ud83d\ude00")");
  EXPECT_EQ(v.get<std::string>(), "\"\\/\b\f\n\r\t ä„ \xF0\x9F\x98\x80");
}

TEST(JsonPullParserTest, KeepsRawUtf8AndSkipsByteOrderMark) {
  Var v = Parse("\xEF\xBB\xBF\"Grüß Gott „Herr“\"");
  EXPECT_EQ(v.get<std::string>(), "Grüß Gott „Herr“");
}

TEST(JsonPullParserTest, ReadsAcrossBufferBoundaries) {
  // Longer than the 64 KiB read buffer, with multi-byte characters that must be
  // split across refills somewhere.
  std::string big;
  for (int i = 0; i < 30000; ++i) big += "äöü";
  Var v = Parse("[\"" + big + "\", 1]");
  EXPECT_EQ(v.at(0).get<std::string>(), big);
}

TEST(JsonPullParserTest, DecodesEveryEscape) {
  Var v = Parse(R"("\" \\ \/ \b \f \n \r \t \u00e4 \ud83d\ude00")");
  EXPECT_EQ(v.get<std::string>(), "\" \\ / \b \f \n \r \t \xC3\xA4 \xF0\x9F\x98\x80");
}

TEST(JsonPullParserTest, InvalidUtf8NamesTheLeadByteAndWhy) {
  EXPECT_NE(ParseError("\"Gr\xFC\xDF\"")
                .reason()
                .find("invalid UTF-8 in string (byte 0xFC: byte never valid in UTF-8)"),
            std::string::npos);
  EXPECT_NE(ParseError("\"\xC3\"").reason().find("(byte 0xC3: bad continuation byte)"),
            std::string::npos);
  EXPECT_NE(ParseError("\"\xE2\x82").reason().find("(byte 0xE2: truncated sequence)"),
            std::string::npos);
  EXPECT_NE(ParseError("\"\xC0\xAF\"").reason().find("(byte 0xC0: overlong encoding)"),
            std::string::npos);
  EXPECT_NE(ParseError("\"\xF4\x90\x80\x80\"").reason().find("above U+10FFFF"), std::string::npos);
}

TEST(JsonPullParserTest, ErrorsNameLineColumnAndPointer) {
  ExportError e = ParseError("{\n  \"a\": [1, 2,, 3]\n}");
  EXPECT_EQ(e.source(), "t.json");
  EXPECT_EQ(e.pointer(), "/a/2");
  EXPECT_NE(e.reason().find("line 2"), std::string::npos) << e.what();
  EXPECT_NE(e.reason().find("column 14"), std::string::npos) << e.what();
}

TEST(JsonPullParserTest, PointerEscapesSlashAndTilde) {
  ExportError e = ParseError(R"({"a/b": {"c~d": tru}})");
  EXPECT_EQ(e.pointer(), "/a~1b/c~0d");
}

TEST(JsonPullParserTest, RefusesWhatStrictJsonForbids) {
  EXPECT_NE(ParseError(R"({"a": 1,})").reason().find("member name"), std::string::npos);
  EXPECT_NE(ParseError("[1, 2,]").reason().find("expected a value"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": 1, "a": 2})").reason().find("duplicate member \"a\""),
            std::string::npos);
  EXPECT_EQ(ParseError(R"({"a": 1, "a": 2})").pointer(), "/a");
  EXPECT_NE(ParseError("\"tab\there\"").reason().find("control character"), std::string::npos);
  EXPECT_NE(ParseError("\"Gr\xFC\xDF\"").reason().find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(ParseError("\"\xC3\"").reason().find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(ParseError("\"\xED\xA0\x80\"").reason().find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(ParseError(R"("\ud83d")").reason().find("surrogate"), std::string::npos);
  EXPECT_NE(ParseError(R"("\x")").reason().find("invalid escape"), std::string::npos);
  EXPECT_NE(ParseError("01").reason().find("after the end"), std::string::npos);
  EXPECT_NE(ParseError("1.").reason().find("malformed number"), std::string::npos);
  EXPECT_NE(ParseError("{} x").reason().find("after the end"), std::string::npos);
  EXPECT_NE(ParseError("// c\n{}").reason().find("expected a value"), std::string::npos);
  EXPECT_NE(ParseError("\"open").reason().find("unterminated"), std::string::npos);
  EXPECT_NE(ParseError("").reason().find("end of input"), std::string::npos);
}

TEST(JsonPullParserTest, LimitsNestingDepth) {
  std::string deep(200, '[');
  EXPECT_NE(ParseError(deep).reason().find("nesting deeper than 64"), std::string::npos);
  std::string ok = std::string(60, '[') + std::string(60, ']');
  EXPECT_NO_THROW(Parse(ok));
}

TEST(JsonPullParserTest, WalksAnArrayElementByElement) {
  std::istringstream in(R"({"head": 1, "list": [{"n": 0}, {"n": 1}, {"n": 2}]})");
  JsonPullParser p(in, "t.json");
  p.BeginObject();
  std::string name;
  ASSERT_TRUE(p.NextMember(&name));
  EXPECT_EQ(name, "head");
  EXPECT_EQ(p.ParseValue().get<int>(), 1);
  ASSERT_TRUE(p.NextMember(&name));
  EXPECT_EQ(name, "list");
  p.BeginArray();
  int n = 0;
  while (p.NextElement()) {
    EXPECT_EQ(p.Pointer(), "/list/" + std::to_string(n));
    Var v = p.ParseValue();
    EXPECT_EQ(v.at("n").get<int>(), n);
    ++n;
  }
  EXPECT_EQ(n, 3);
  EXPECT_FALSE(p.NextMember(&name));
  p.ExpectEnd();
}

}  // namespace
}  // namespace kehrbote
