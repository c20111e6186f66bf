#include "shared/text/hex.h"

namespace kehrbote {

void AppendHexByte(std::string& out, unsigned char byte, HexCase letters) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  const char* digits = letters == HexCase::kUpper ? kUpper : kLower;
  out += digits[byte >> 4];
  out += digits[byte & 0xF];
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (char b : bytes) AppendHexByte(out, static_cast<unsigned char>(b));
  return out;
}

}  // namespace kehrbote
