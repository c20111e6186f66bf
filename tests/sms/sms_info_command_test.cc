// Runs the built kehrbote-dispatcher binary and reads its JSON, as a user or a
// script would.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

RunResult RunDispatcher(const std::vector<std::string>& args) {
  const std::string binary = std::string(KEHRBOTE_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
  Poco::Pipe out_pipe, err_pipe;
  Poco::ProcessHandle handle = Poco::Process::launch(binary, args, nullptr, &out_pipe, &err_pipe);
  // The outputs are a few hundred bytes, far below the pipe buffer: reading them
  // one after the other cannot deadlock.
  Poco::PipeInputStream out_stream(out_pipe), err_stream(err_pipe);
  RunResult r;
  Poco::StreamCopier::copyToString(out_stream, r.out);
  Poco::StreamCopier::copyToString(err_stream, r.err);
  r.exit_code = handle.wait();
  return r;
}

Poco::JSON::Object::Ptr ParseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::string JoinParts(const Poco::JSON::Object::Ptr& o) {
  std::string joined;
  Poco::JSON::Array::Ptr parts = o->getArray("parts");
  for (std::size_t i = 0; i < parts->size(); ++i) joined += parts->getElement<std::string>(i);
  return joined;
}

TEST(SmsInfoCommandTest, GermanTextWithQuotesAndEuroIsGsm7) {
  RunResult r = RunDispatcher(
      {"sms-info", "Ihr Termin: „Hauptkehrung“ am 24.11. – Kosten ca. 45 € …"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<std::string>("encoding"), "gsm7");
  EXPECT_EQ(o->getValue<std::string>("text"),
            "Ihr Termin: \"Hauptkehrung\" am 24.11. - Kosten ca. 45 € ...");
  // 58 characters; "€" costs 2 septets.
  EXPECT_EQ(o->getValue<int>("units"), 59);
  EXPECT_EQ(o->getValue<int>("segments"), 1);
  EXPECT_EQ(JoinParts(o), o->getValue<std::string>("text"));
}

TEST(SmsInfoCommandTest, EmojiIsDroppedWithoutUnicode) {
  RunResult r = RunDispatcher({"sms-info", "Bis morgen 😀"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<std::string>("encoding"), "gsm7");
  EXPECT_EQ(o->getValue<std::string>("text"), "Bis morgen ");
  Poco::JSON::Array::Ptr changes = o->getArray("changes");
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->getObject(0)->getValue<std::string>("from"), "😀");
  EXPECT_TRUE(changes->getObject(0)->getValue<bool>("dropped"));
}

TEST(SmsInfoCommandTest, UnicodeKeepsEmojiAsUcs2) {
  RunResult r = RunDispatcher({"sms-info", "--unicode", "Bis morgen 😀"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<std::string>("encoding"), "ucs2");
  EXPECT_EQ(o->getValue<std::string>("text"), "Bis morgen 😀");
  EXPECT_EQ(o->getValue<int>("units"), 13);  // 11 + a surrogate pair
  EXPECT_EQ(o->getValue<int>("segments"), 1);
}

TEST(SmsInfoCommandTest, LongUnicodeTextIsSplitIntoParts) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "😀";  // 80 units: 67 is not a multiple of 2
  RunResult r = RunDispatcher({"sms-info", "--unicode", text});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<int>("units"), 80);
  EXPECT_EQ(o->getValue<int>("segments"), 2);
  Poco::JSON::Array::Ptr parts = o->getArray("parts");
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ(parts->getElement<std::string>(0).size(), 33u * 4);  // 33 emoji = 66 units
  EXPECT_EQ(JoinParts(o), text);
}

TEST(SmsInfoCommandTest, UnicodeWithOnlyTypographyStaysGsm7) {
  RunResult r = RunDispatcher({"sms-info", "--unicode", "„Grüß Gott“"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<std::string>("encoding"), "gsm7");
  EXPECT_EQ(o->getValue<std::string>("text"), "\"Grüß Gott\"");
}

TEST(SmsInfoCommandTest, ControlCharactersAreEscapedInJson) {
  RunResult r = RunDispatcher({"sms-info", "Zeile 1\nZeile \"2\" \\ {x}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr o = ParseObject(r.out);
  EXPECT_EQ(o->getValue<std::string>("text"), "Zeile 1\nZeile \"2\" \\ {x}");
  EXPECT_EQ(o->getValue<int>("units"), 26);  // 23 characters; \ { } cost 2 each
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);  // one line of JSON
}

TEST(SmsInfoCommandTest, InvalidUtf8IsAClearError) {
  RunResult r = RunDispatcher({"sms-info", "M\xFC" "ller"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("not valid UTF-8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at byte 1"), std::string::npos) << r.err;
}

TEST(SmsInfoCommandTest, UsageErrors) {
  EXPECT_EQ(RunDispatcher({"sms-info"}).exit_code, 2);
  EXPECT_EQ(RunDispatcher({"sms-info", "a", "b"}).exit_code, 2);
  RunResult unknown = RunDispatcher({"sms-info", "--unicod", "a"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--unicod"), std::string::npos);
  // After "--", a text that looks like an option is text.
  RunResult dashed = RunDispatcher({"sms-info", "--", "--unicode"});
  ASSERT_EQ(dashed.exit_code, 0) << dashed.err;
  EXPECT_EQ(ParseObject(dashed.out)->getValue<std::string>("text"), "--unicode");
}

}  // namespace
