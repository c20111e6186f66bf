// Fuzz target: the SMS text rules (UTF-8, transliteration, SegmentedText). Input:
// the first byte chooses the policy, the rest is the text. Contract checked
// (segmented_text.h, transliteration.h), for every valid UTF-8 input:
//   - the parts concatenate to text(), their units add up to units(), and each
//     part's units are what its characters cost (GsmSeptets / Utf16Units);
//   - a single part holds at most 160 septets / 70 units, each of several parts
//     at most 153 / 67, and no part could have been filled further with the next
//     part's first character (segment_count() is the least the rules allow);
//   - kGsm7Only always gives gsm7; kAllowUcs2 gives gsm7 exactly when the
//     typography-transliterated text is all GSM, and ucs2 keeps the input as is;
//   - after TransliterationScope::kGsm the text is all GSM.
// Invalid UTF-8 must throw InvalidUtf8Error and nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shared/sms/gsm_alphabet.h"
#include "shared/sms/segmented_text.h"
#include "shared/sms/transliteration.h"
#include "shared/text/utf8.h"

namespace kehrbote {
namespace {

size_t Cost(char32_t c, SmsEncoding e) {
  return e == SmsEncoding::kGsm7 ? static_cast<size_t>(GsmSeptets(c)) : Utf16Units(c);
}

void CheckParts(const SegmentedText& s) {
  const auto& parts = s.parts();
  const bool gsm = s.encoding() == SmsEncoding::kGsm7;
  const size_t single = gsm ? SegmentedText::kGsm7SingleSeptets : SegmentedText::kUcs2SingleUnits;
  const size_t per_part = gsm ? SegmentedText::kGsm7PartSeptets : SegmentedText::kUcs2PartUnits;
  const size_t limit = parts.size() == 1 ? single : per_part;
  if (parts.empty()) abort();
  std::string joined;
  size_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    size_t units = 0;
    for (char32_t c : DecodeUtf8(parts[i].text)) {
      if (Cost(c, s.encoding()) == 0) abort();  // not sendable in this encoding
      units += Cost(c, s.encoding());
    }
    if (units != parts[i].units || units > limit) abort();
    if (parts.size() > 1 && units == 0) abort();  // an empty part costs an SMS for nothing
    if (i + 1 < parts.size()) {  // greedy: the next part's first character did not fit
      std::u32string next = DecodeUtf8(parts[i + 1].text);
      if (units + Cost(next.front(), s.encoding()) <= limit) abort();
    }
    joined += parts[i].text;
    total += units;
  }
  if (joined != s.text() || total != s.units()) abort();
  if (parts.size() > 1 && total <= single) abort();  // would have fit one SMS
}

}  // namespace
}  // namespace kehrbote

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  if (size == 0) return 0;
  SmsPolicy policy = (data[0] & 1) ? SmsPolicy::kAllowUcs2 : SmsPolicy::kGsm7Only;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::u32string decoded;
  try {
    decoded = DecodeUtf8(text);
  } catch (const InvalidUtf8Error&) {
    try {
      SegmentedText s(text, policy);
    } catch (const InvalidUtf8Error&) {
      return 0;
    }
    abort();  // DecodeUtf8 refused what SegmentedText took
  }
  SegmentedText s(text, policy);
  CheckParts(s);
  if (!IsGsmText(Transliterate(decoded, TransliterationScope::kGsm).text)) abort();
  bool typography_gsm = IsGsmText(Transliterate(decoded, TransliterationScope::kTypography).text);
  if (policy == SmsPolicy::kGsm7Only) {
    if (s.encoding() != SmsEncoding::kGsm7) abort();
  } else {
    if ((s.encoding() == SmsEncoding::kGsm7) != typography_gsm) abort();
    if (s.encoding() == SmsEncoding::kUcs2 && (s.text() != text || !s.changes().empty())) abort();
  }
  return 0;
}
