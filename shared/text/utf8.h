// Strict UTF-8 (RFC 3629): the one decoder for text that comes from outside
// (exports, config files, office databases, message texts).
//
// Such text may be malformed, typically Windows-1252 saved as if it were UTF-8.
// Decoding is strict: overlong forms, encoded surrogates, code points above
// U+10FFFF and truncated sequences are refused with the byte offset, never
// passed on or guessed at. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kehrbote {

// One sequence decoded from the front of a byte string.
struct Utf8Sequence {
  char32_t code_point = 0;  // meaningful only when `error` is null
  // Bytes of the sequence; for an error, the bytes the error is about (at least 1,
  // at most what was given), so a message can show them.
  std::size_t length = 0;
  // Null for a valid sequence, else why it is not UTF-8: "unexpected continuation
  // byte", "byte never valid in UTF-8", "overlong encoding", "truncated sequence",
  // "bad continuation byte", "encoded UTF-16 surrogate", "code point above U+10FFFF".
  const char* error = nullptr;
};

// Decodes the sequence at the front of `bytes`, which must not be empty.
Utf8Sequence DecodeUtf8Sequence(std::string_view bytes);

// Bytes a sequence starting with `lead` claims (2 to 4 for a lead byte, else 1), so
// that a reader of a stream knows how many to collect before DecodeUtf8Sequence.
std::size_t Utf8SequenceLength(unsigned char lead);

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

// Code points in `utf8`, or std::string::npos if it is not valid UTF-8.
std::size_t Utf8Length(std::string_view utf8);

// `text` must hold Unicode scalar values only (as DecodeUtf8 produces).
std::string EncodeUtf8(std::u32string_view text);
void AppendUtf8(char32_t c, std::string& out);

// Number of UTF-16 code units for `c`: 2 above U+FFFF (a surrogate pair), else 1.
inline int Utf16Units(char32_t c) { return c > 0xFFFF ? 2 : 1; }

}  // namespace kehrbote
