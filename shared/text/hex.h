// Hexadecimal digits for bytes: digests and tokens (lower case, two digits a byte)
// and the escapes of JSON ("\u00XX") and URLs ("%XX"). Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

enum class HexCase { kLower, kUpper };

// Appends the two hex digits of `byte`, high nibble first.
void AppendHexByte(std::string& out, unsigned char byte, HexCase letters = HexCase::kLower);

// `bytes` as lower-case hex, two digits a byte ("\x0a\xff" -> "0aff").
std::string HexEncode(std::string_view bytes);

}  // namespace kehrbote
