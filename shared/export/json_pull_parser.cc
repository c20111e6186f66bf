#include "shared/export/json_pull_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "shared/export/export_error.h"
#include "shared/text/json_pointer.h"
#include "shared/text/utf8.h"

namespace kehrbote {
namespace {

constexpr size_t kBufferSize = 64 * 1024;
constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxStringBytes = 1024 * 1024;

std::string Printable(int c) {
  if (c < 0) return "end of input";
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%02X", c);
  return std::string("byte ") + hex;
}

}  // namespace

JsonPullParser::JsonPullParser(std::istream& in, std::string source_name)
    : in_(in), source_(std::move(source_name)), buf_(kBufferSize) {
  // RFC 8259 lets a parser ignore a UTF-8 byte order mark; Windows tools write one.
  if (Peek() == 0xEF && len_ - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
      static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF) {
    pos_ += 3;
  }
}

bool JsonPullParser::Refill() {
  if (eof_) return false;
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  len_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  if (in_.bad()) Fail("read error");
  if (len_ == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool JsonPullParser::FillAhead(size_t want) {
  if (len_ - pos_ >= want) return true;
  std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
  len_ -= pos_;
  pos_ = 0;
  while (len_ < want && !eof_) {
    in_.read(buf_.data() + len_, static_cast<std::streamsize>(buf_.size() - len_));
    const auto got = static_cast<size_t>(in_.gcount());
    if (in_.bad()) Fail("read error");
    if (got == 0) eof_ = true;
    len_ += got;
  }
  return len_ >= want;
}

int JsonPullParser::Peek() {
  if (pos_ >= len_ && !Refill()) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

int JsonPullParser::Get() {
  if (pos_ >= len_ && !Refill()) return -1;
  int c = static_cast<unsigned char>(buf_[pos_++]);
  if (c == '\n') {
    ++line_;
    column_ = 1;
  } else {
    ++column_;
  }
  return c;
}

void JsonPullParser::SkipWhitespace() {
  for (;;) {
    int c = Peek();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    Get();
  }
}

void JsonPullParser::Expect(char c, const char* what) {
  SkipWhitespace();
  int got = Peek();
  if (got != static_cast<unsigned char>(c)) {
    Fail(std::string("expected ") + what + ", found " + Printable(got));
  }
  Get();
}

std::string JsonPullParser::Pointer() const {
  std::string p;
  for (const Frame& f : frames_) {
    if (f.first) break;  // not inside any member/element yet
    AppendJsonPointerToken(p, f.is_array ? std::to_string(f.index) : f.name);
  }
  return p;
}

void JsonPullParser::Fail(const std::string& reason) const {
  throw ExportError(source_, Pointer(),
                    reason + " (line " + std::to_string(line_) + ", column " +
                        std::to_string(column_) + ")");
}

void JsonPullParser::BeginObject() {
  if (frames_.size() >= kMaxDepth) Fail("nesting deeper than " + std::to_string(kMaxDepth));
  Expect('{', "'{'");
  frames_.push_back(Frame{false, true, 0, {}});
}

bool JsonPullParser::NextMember(std::string* name) {
  Frame& f = frames_.back();
  SkipWhitespace();
  int c = Peek();
  if (c == '}') {
    Get();
    frames_.pop_back();
    return false;
  }
  if (!f.first) {
    if (c != ',') Fail("expected ',' or '}' after a member, found " + Printable(c));
    Get();
    SkipWhitespace();
    c = Peek();
  }
  if (c != '"') Fail("expected a member name in double quotes, found " + Printable(c));
  std::string key = ParseString();
  f.first = false;
  f.name = key;
  Expect(':', "':' after the member name");
  *name = std::move(key);
  return true;
}

void JsonPullParser::BeginArray() {
  if (frames_.size() >= kMaxDepth) Fail("nesting deeper than " + std::to_string(kMaxDepth));
  Expect('[', "'['");
  frames_.push_back(Frame{true, true, 0, {}});
}

bool JsonPullParser::NextElement() {
  Frame& f = frames_.back();
  SkipWhitespace();
  int c = Peek();
  if (c == ']') {
    Get();
    frames_.pop_back();
    return false;
  }
  if (!f.first) {
    if (c != ',') Fail("expected ',' or ']' after an element, found " + Printable(c));
    Get();
    ++f.index;
  }
  f.first = false;
  return true;
}

nlohmann::json JsonPullParser::ParseValue() {
  SkipWhitespace();
  int c = Peek();
  switch (c) {
    case '{': {
      BeginObject();
      nlohmann::json object = nlohmann::json::object();
      std::string name;
      while (NextMember(&name)) {
        if (object.contains(name)) Fail("duplicate member \"" + name + "\"");
        nlohmann::json value = ParseValue();
        object.emplace(std::move(name), std::move(value));
      }
      return object;
    }
    case '[': {
      BeginArray();
      nlohmann::json array = nlohmann::json::array();
      while (NextElement()) array.push_back(ParseValue());
      return array;
    }
    case '"':
      return ParseString();
    case 't':
      ParseLiteral("true");
      return true;
    case 'f':
      ParseLiteral("false");
      return false;
    case 'n':
      ParseLiteral("null");
      return nullptr;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
      Fail("expected a value, found " + Printable(c));
  }
}

std::string_view JsonPullParser::PeekRawObject() {
  SkipWhitespace();
  if (Peek() != '{') return {};
  size_t length = RawObjectLength(pos_);
  if (length == 0) {
    FillAhead(kMaxRawValueBytes);  // the object may go on past the buffer's end
    length = RawObjectLength(pos_);
  }
  return length == 0 ? std::string_view() : std::string_view(buf_.data() + pos_, length);
}

size_t JsonPullParser::RawObjectLength(size_t from) const {
  const size_t end = std::min(len_, from + kMaxRawValueBytes);
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = from; i < end; ++i) {
    const char b = buf_[i];
    if (in_string) {
      if (b == '\\') {
        ++i;  // the escaped byte cannot end the string
      } else if (b == '"') {
        in_string = false;
      }
    } else if (b == '"') {
      in_string = true;
    } else if (b == '{' || b == '[') {
      ++depth;
    } else if ((b == '}' || b == ']') && --depth == 0) {
      return i + 1 - from;
    }
  }
  return 0;
}

void JsonPullParser::SkipRawValue(size_t size) {
  const std::string_view raw(buf_.data() + pos_, size);
  const size_t last_newline = raw.rfind('\n');
  if (last_newline == std::string_view::npos) {
    column_ += size;
  } else {
    line_ += static_cast<size_t>(std::count(raw.begin(), raw.end(), '\n'));
    column_ = size - last_newline;
  }
  pos_ += size;
}

void JsonPullParser::ParseLiteral(const char* word) {
  for (const char* p = word; *p; ++p) {
    int c = Peek();
    if (c != static_cast<unsigned char>(*p)) {
      Fail(std::string("expected '") + word + "', found " + Printable(c));
    }
    Get();
  }
}

nlohmann::json JsonPullParser::ParseNumber() {
  std::string text;
  auto digits = [&]() {
    size_t n = 0;
    for (int c = Peek(); c >= '0' && c <= '9'; c = Peek()) {
      text += static_cast<char>(Get());
      ++n;
    }
    return n;
  };
  bool integral = true;
  if (Peek() == '-') text += static_cast<char>(Get());
  if (Peek() == '0') {
    text += static_cast<char>(Get());
  } else if (digits() == 0) {
    Fail("malformed number");
  }
  if (Peek() == '.') {
    integral = false;
    text += static_cast<char>(Get());
    if (digits() == 0) Fail("malformed number: digits expected after '.'");
  }
  if (Peek() == 'e' || Peek() == 'E') {
    integral = false;
    text += static_cast<char>(Get());
    if (Peek() == '+' || Peek() == '-') text += static_cast<char>(Get());
    if (digits() == 0) Fail("malformed number: digits expected in the exponent");
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (integral) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec == std::errc() && ptr == last) return v;
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || ptr != last) Fail("number out of range: " + text);
  return d;
}

unsigned JsonPullParser::ParseHex4() {
  unsigned v = 0;
  for (int i = 0; i < 4; ++i) {
    int c = Get();
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<unsigned>(c - 'A' + 10);
    } else {
      Fail("malformed \\u escape");
    }
  }
  return v;
}

bool JsonPullParser::AppendAsciiRun(std::string& out) {
  // Plain ASCII (no quote, backslash, control or non-ASCII byte, hence no newline)
  // is copied straight from the buffer.
  size_t run = pos_;
  while (run < len_) {
    unsigned char b = static_cast<unsigned char>(buf_[run]);
    if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
    ++run;
  }
  if (run == pos_) return false;
  out.append(buf_.data() + pos_, run - pos_);
  column_ += run - pos_;
  pos_ = run;
  return true;
}

void JsonPullParser::AppendEscape(std::string& out) {
  // The one-letter escapes of RFC 8259 and what they stand for.
  static constexpr std::string_view kEscape = "\"\\/bfnrt", kMeaning = "\"\\/\b\f\n\r\t";
  const int e = Get();
  if (e == 'u') {
    AppendUtf8(ParseUnicodeEscape(), out);
    return;
  }
  const size_t k = e < 0 ? std::string_view::npos : kEscape.find(static_cast<char>(e));
  if (k == std::string_view::npos) {
    Fail("invalid escape \\" + (e < 0 ? std::string() : std::string(1, static_cast<char>(e))));
  }
  out += kMeaning[k];
}

char32_t JsonPullParser::ParseUnicodeEscape() {
  char32_t cp = ParseHex4();
  if (cp >= 0xDC00 && cp <= 0xDFFF) Fail("lone low surrogate in \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (Get() != '\\' || Get() != 'u') Fail("high surrogate without a low surrogate");
    char32_t low = ParseHex4();
    if (low < 0xDC00 || low > 0xDFFF) Fail("high surrogate without a low surrogate");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  return cp;
}

void JsonPullParser::AppendUtf8Sequence(std::string& out, int lead) {
  // Checked so that bad bytes (Windows-1252 text written as if it were UTF-8) never
  // get past the reader. The sequence may span a buffer refill, so it is collected
  // through Get() first.
  char seq[4] = {static_cast<char>(lead)};
  size_t n = 1;
  for (const size_t want = Utf8SequenceLength(static_cast<unsigned char>(lead)); n < want; ++n) {
    const int c = Get();
    if (c < 0) break;
    seq[n] = static_cast<char>(c);
  }
  const Utf8Sequence s = DecodeUtf8Sequence(std::string_view(seq, n));
  if (s.error != nullptr)
    Fail("invalid UTF-8 in string (" + Printable(lead) + ": " + s.error + ")");
  out.append(seq, s.length);
}

std::string JsonPullParser::ParseString() {
  Get();  // opening quote
  std::string out;
  for (;;) {
    if (out.size() > kMaxStringBytes) Fail("string longer than 1 MiB");
    if (AppendAsciiRun(out)) continue;
    int c = Get();
    if (c < 0) Fail("unterminated string");
    if (c == '"') return out;
    if (c == '\\') {
      AppendEscape(out);
    } else if (c < 0x20) {
      Fail("unescaped control character in string");
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      AppendUtf8Sequence(out, c);
    }
  }
}

void JsonPullParser::ExpectEnd() {
  SkipWhitespace();
  int c = Peek();
  if (c >= 0) Fail("unexpected " + Printable(c) + " after the end of the document");
}

}  // namespace kehrbote
