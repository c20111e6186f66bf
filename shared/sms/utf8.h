// Strict UTF-8 <-> code points, for the SMS text rules.
//
// Message texts come from office databases, templates and the command line, so
// they may be malformed. Decoding is strict (RFC 3629): overlong forms, encoded
// surrogates, code points above U+10FFFF and truncated sequences are refused with
// the byte offset, never passed on or guessed at.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kehrbote {

class InvalidUtf8Error : public std::invalid_argument {
 public:
  InvalidUtf8Error(const std::string& what, std::size_t byte_offset)
      : std::invalid_argument(what), byte_offset_(byte_offset) {}
  // Offset of the first byte of the malformed sequence.
  std::size_t byte_offset() const { return byte_offset_; }

 private:
  std::size_t byte_offset_;
};

// Throws InvalidUtf8Error, e.g. "invalid UTF-8 at byte 3: 0xC3 0x28 (bad continuation byte)".
std::u32string DecodeUtf8(std::string_view utf8);

// `text` must hold Unicode scalar values only (as DecodeUtf8 produces).
std::string EncodeUtf8(std::u32string_view text);
void AppendUtf8(char32_t c, std::string& out);

// Number of UTF-16 code units for `c`: 2 above U+FFFF (a surrogate pair), else 1.
inline int Utf16Units(char32_t c) { return c > 0xFFFF ? 2 : 1; }

}  // namespace kehrbote
