#include "shared/text/utf8.h"

#include <algorithm>
#include <cstdio>

namespace kehrbote {
namespace {

Utf8Sequence Invalid(std::size_t length, const char* why) { return {0, length, why}; }

[[noreturn]] void Fail(std::string_view utf8, std::size_t at, std::size_t len, const char* why) {
  std::string msg = "invalid UTF-8 at byte " + std::to_string(at) + ":";
  for (std::size_t i = at; i < at + len && i < utf8.size(); ++i) {
    char hex[8];
    std::snprintf(hex, sizeof hex, " 0x%02X", static_cast<unsigned char>(utf8[i]));
    msg += hex;
  }
  msg += " (";
  msg += why;
  msg += ")";
  throw InvalidUtf8Error(msg, at);
}

}  // namespace

std::size_t Utf8SequenceLength(unsigned char lead) {
  if (lead >= 0xC0 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 1;
}

Utf8Sequence DecodeUtf8Sequence(std::string_view bytes) {
  const unsigned char b0 = static_cast<unsigned char>(bytes[0]);
  if (b0 < 0x80) return {b0, 1, nullptr};
  std::size_t len;
  char32_t c;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else if (b0 == 0xC0 || b0 == 0xC1) {
    return Invalid(std::min<std::size_t>(2, bytes.size()), "overlong encoding");
  } else {
    return Invalid(1, b0 < 0xC0 ? "unexpected continuation byte" : "byte never valid in UTF-8");
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (k >= bytes.size()) return Invalid(k, "truncated sequence");
    const unsigned char b = static_cast<unsigned char>(bytes[k]);
    if ((b & 0xC0) != 0x80) return Invalid(k + 1, "bad continuation byte");
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min) return Invalid(len, "overlong encoding");
  if (c >= 0xD800 && c <= 0xDFFF) return Invalid(len, "encoded UTF-16 surrogate");
  if (c > 0x10FFFF) return Invalid(len, "code point above U+10FFFF");
  return {c, len, nullptr};
}

std::u32string DecodeUtf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const Utf8Sequence s = DecodeUtf8Sequence(utf8.substr(i));
    if (s.error != nullptr) Fail(utf8, i, s.length, s.error);
    out.push_back(s.code_point);
    i += s.length;
  }
  return out;
}

std::size_t Utf8Length(std::string_view utf8) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < utf8.size(); ++n) {
    const Utf8Sequence s = DecodeUtf8Sequence(utf8.substr(i));
    if (s.error != nullptr) return std::string::npos;
    i += s.length;
  }
  return n;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(c, out);
  return out;
}

}  // namespace kehrbote
