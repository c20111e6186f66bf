// An SMS text as it will be sent: its encoding, its length in the units the
// network counts, and the parts (segments) a long text is split into.
//
// Counting follows 3GPP TS 23.038 / 23.040:
//   gsm7  160 septets fit a single SMS; concatenated, each part carries 153 (the
//         user data header with an 8-bit reference takes the rest). A character of
//         the extension table (€ [ ] { } | ~ ^ \ form feed) costs 2 septets and is
//         never split across parts: if only one septet is left, it opens the next.
//   ucs2  70 UTF-16 code units single, 67 per part concatenated. A character
//         outside the BMP (most emoji) is a surrogate pair, counts 2 units and is
//         never split across parts.
// An empty text is one (empty) part: sending it still costs one SMS.
//
// Policy (per firm):
//   kGsm7Only   the text is transliterated (see transliteration.h, scope kGsm);
//               the result is always gsm7. Characters with no replacement are
//               dropped and reported in changes().
//   kAllowUcs2  only the meaning-preserving replacements are applied (scope
//               kTypography: quotes, dashes, spaces, ellipsis, ...). If the result
//               is all GSM it is sent as gsm7; otherwise the text is sent as ucs2
//               exactly as given (emoji and typographic quotes kept), and
//               changes() is empty.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shared/sms/transliteration.h"
#include "shared/text/utf8.h"

namespace kehrbote {

enum class SmsEncoding { kGsm7, kUcs2 };
enum class SmsPolicy { kGsm7Only, kAllowUcs2 };

// "gsm7" or "ucs2".
std::string_view SmsEncodingName(SmsEncoding encoding);

struct SmsPart {
  std::string text;   // UTF-8
  std::size_t units;  // septets (gsm7) or UTF-16 code units (ucs2)
};

class SegmentedText {
 public:
  static constexpr std::size_t kGsm7SingleSeptets = 160;
  static constexpr std::size_t kGsm7PartSeptets = 153;
  static constexpr std::size_t kUcs2SingleUnits = 70;
  static constexpr std::size_t kUcs2PartUnits = 67;

  // Throws InvalidUtf8Error (with the byte offset) if `utf8` is not valid UTF-8.
  SegmentedText(std::string_view utf8, SmsPolicy policy);

  SmsEncoding encoding() const { return encoding_; }
  // The text that is sent, UTF-8; the concatenation of parts().
  const std::string& text() const { return text_; }
  // Septets for gsm7 (an extension character counts 2), UTF-16 code units for ucs2.
  std::size_t units() const { return units_; }
  std::size_t segment_count() const { return parts_.size(); }
  const std::vector<SmsPart>& parts() const { return parts_; }
  // What transliteration replaced or dropped, in input order.
  const std::vector<TextChange>& changes() const { return changes_; }

 private:
  SmsEncoding encoding_;
  std::string text_;
  std::size_t units_ = 0;
  std::vector<SmsPart> parts_;
  std::vector<TextChange> changes_;
};

}  // namespace kehrbote
