// The GSM 7-bit default alphabet (3GPP TS 23.038, section 6.2.1), seen from Unicode.
//
// A character of the basic table costs one septet. A character of the default
// extension table is sent as ESC + code and costs two septets (the reason a "€"
// counts double). Anything else cannot be sent as gsm7 at all.
#pragma once

#include <string_view>

namespace kehrbote {

// Septets needed to send `c` in the GSM default alphabet: 1 for the basic table,
// 2 for the extension table (form feed ^ { } \ [ ~ ] | €), 0 if not representable.
// The escape code 0x1B itself is not a character and is not representable.
int GsmSeptets(char32_t c);

inline bool IsGsmCharacter(char32_t c) { return GsmSeptets(c) != 0; }

// True if every character of `text` is representable.
bool IsGsmText(std::u32string_view text);

}  // namespace kehrbote
