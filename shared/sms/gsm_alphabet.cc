#include "shared/sms/gsm_alphabet.h"

#include <algorithm>
#include <array>

namespace kehrbote {
namespace {

// The 128 code positions of the basic table, in GSM order; 0x1B (escape to the
// extension table) is marked 0.
constexpr std::array<char32_t, 128> kBasic = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì',   // 0x00
    U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',  // 0x08
    U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',   // 0x10
    U'Σ', U'Θ', U'Ξ', 0, U'Æ', U'æ', U'ß', U'É',      // 0x18
    U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'',  // 0x20
    U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',   // 0x28
    U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7',   // 0x30
    U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',   // 0x38
    U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G',   // 0x40
    U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',   // 0x48
    U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W',   // 0x50
    U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',   // 0x58
    U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g',   // 0x60
    U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',   // 0x68
    U'p', U'q', U'r', U's', U't', U'u', U'v', U'w',   // 0x70
    U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à',   // 0x78
};

// The default extension table (ESC 0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E,
// 0x40, 0x65).
constexpr std::array<char32_t, 10> kExtension = {
    U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€',
};

// Septet cost of every code point below U+0100 (where almost all text lives),
// derived from the two tables above so that they stay the single source.
constexpr std::array<unsigned char, 256> MakeLatin1Costs() {
  std::array<unsigned char, 256> costs{};
  for (char32_t c : kBasic) {
    if (c != 0 && c < 256) costs[c] = 1;
  }
  for (char32_t c : kExtension) {
    if (c < 256) costs[c] = 2;
  }
  return costs;
}
constexpr std::array<unsigned char, 256> kLatin1Costs = MakeLatin1Costs();

}  // namespace

int GsmSeptets(char32_t c) {
  if (c < 256) return kLatin1Costs[c];
  // The rest: the Greek capitals of the basic table and the euro sign.
  if (std::find(kBasic.begin(), kBasic.end(), c) != kBasic.end()) return 1;
  if (std::find(kExtension.begin(), kExtension.end(), c) != kExtension.end()) return 2;
  return 0;
}

bool IsGsmText(std::u32string_view text) {
  return std::all_of(text.begin(), text.end(), IsGsmCharacter);
}

}  // namespace kehrbote
