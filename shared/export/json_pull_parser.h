// JsonPullParser: reads JSON from a std::istream in small chunks, one value at a
// time, so that a huge top-level array never has to be in memory at once.
//
// The caller walks the structure it expects (BeginObject/NextMember,
// BeginArray/NextElement) and materialises only the values it wants whole with
// ParseValue, which returns an nlohmann::json tree, the form valijson validates
// fastest (its Poco adapter copies every value it visits).
//
// Strict RFC 8259: no comments, no trailing commas, strings must be valid UTF-8,
// duplicate member names in one object are refused (JSON leaves their meaning
// open). Limits keep hostile input bounded: nesting depth 64, 1 MiB per string.
// Every error is an ExportError with the JSON pointer of the value being read and
// the line and column.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kehrbote {

class JsonPullParser {
 public:
  JsonPullParser(std::istream& in, std::string source_name);

  JsonPullParser(const JsonPullParser&) = delete;
  JsonPullParser& operator=(const JsonPullParser&) = delete;

  // Expects '{' and enters the object.
  void BeginObject();
  // Steps to the next member of the innermost object: true with its name (the
  // caller must then read the value), false after the closing '}' (object left).
  bool NextMember(std::string* name);
  // Expects '[' and enters the array.
  void BeginArray();
  // True if another element follows (the caller reads it), false after ']'.
  bool NextElement();
  // Reads one whole value.
  nlohmann::json ParseValue();

  // The bytes of the object that starts at the next non-blank byte, looked at
  // without reading them: from its '{' to its matching '}', found by counting
  // brackets outside strings. Nothing is checked (a caller that trusts the bytes
  // has recognised them, e.g. by a digest); empty if the next value is not an
  // object, does not end, or is longer than kMaxRawValueBytes. Valid until the
  // next call on this parser. ParseValue() or SkipRawValue() reads the value.
  std::string_view PeekRawObject();
  // Steps over the `size` bytes that PeekRawObject() just returned.
  void SkipRawValue(size_t size);
  static constexpr size_t kMaxRawValueBytes = size_t{16} * 1024;  // a quarter of the buffer
  // Expects nothing but whitespace up to the end of the input.
  void ExpectEnd();

  // The JSON pointer of the value about to be / being read, e.g. "/appointments/7".
  std::string Pointer() const;

  // Throws ExportError at the current position.
  [[noreturn]] void Fail(const std::string& reason) const;

 private:
  struct Frame {
    bool is_array;
    bool first = true;
    size_t index = 0;   // arrays: current element
    std::string name;   // objects: current member
  };

  int Peek();  // next byte or -1 at end, not consumed
  int Get();   // next byte or -1, consumed
  void SkipWhitespace();
  void Expect(char c, const char* what);
  std::string ParseString();
  // The steps of ParseString: each appends what it read to `out`.
  bool AppendAsciiRun(std::string& out);  // false if the next byte is not plain ASCII
  void AppendEscape(std::string& out);    // after the backslash
  void AppendUtf8Sequence(std::string& out, int lead);
  char32_t ParseUnicodeEscape();  // after "\u"; joins a surrogate pair
  unsigned ParseHex4();
  nlohmann::json ParseNumber();
  void ParseLiteral(const char* word);
  bool Refill();
  // Keeps the unread bytes and appends more after them, so that `want` bytes are
  // in the buffer at pos_ if the input has them; false if it has not.
  bool FillAhead(size_t want);
  // The length of the object at buf_[from], or 0 if it does not end in the buffer.
  size_t RawObjectLength(size_t from) const;

  std::istream& in_;
  std::string source_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  bool eof_ = false;
  size_t line_ = 1;
  size_t column_ = 1;
  std::vector<Frame> frames_;
};

}  // namespace kehrbote
