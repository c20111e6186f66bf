#include "shared/sms/segmented_text.h"

#include "shared/sms/gsm_alphabet.h"

namespace kehrbote {

std::string_view SmsEncodingName(SmsEncoding encoding) {
  return encoding == SmsEncoding::kGsm7 ? "gsm7" : "ucs2";
}

SegmentedText::SegmentedText(std::string_view utf8, SmsPolicy policy) {
  std::u32string decoded = DecodeUtf8(utf8);
  std::u32string final_text;
  if (policy == SmsPolicy::kGsm7Only) {
    Transliteration t = Transliterate(decoded, TransliterationScope::kGsm);
    encoding_ = SmsEncoding::kGsm7;
    final_text = std::move(t.text);
    changes_ = std::move(t.changes);
  } else {
    Transliteration t = Transliterate(decoded, TransliterationScope::kTypography);
    if (IsGsmText(t.text)) {
      encoding_ = SmsEncoding::kGsm7;
      final_text = std::move(t.text);
      changes_ = std::move(t.changes);
    } else {
      encoding_ = SmsEncoding::kUcs2;
      final_text = std::move(decoded);
    }
  }

  const bool gsm7 = encoding_ == SmsEncoding::kGsm7;
  auto cost = [gsm7](char32_t c) -> std::size_t {
    return gsm7 ? static_cast<std::size_t>(GsmSeptets(c)) : static_cast<std::size_t>(Utf16Units(c));
  };
  for (char32_t c : final_text) units_ += cost(c);
  text_ = EncodeUtf8(final_text);

  const std::size_t single = gsm7 ? kGsm7SingleSeptets : kUcs2SingleUnits;
  if (units_ <= single) {
    parts_.push_back({text_, units_});
    return;
  }
  // Greedy: a character that does not fit whole into the current part opens the
  // next one, so neither an ESC pair nor a surrogate pair is ever split.
  const std::size_t per_part = gsm7 ? kGsm7PartSeptets : kUcs2PartUnits;
  SmsPart part{std::string(), 0};
  for (char32_t c : final_text) {
    const std::size_t n = cost(c);
    if (part.units + n > per_part) {
      parts_.push_back(std::move(part));
      part = SmsPart{std::string(), 0};
    }
    AppendUtf8(c, part.text);
    part.units += n;
  }
  parts_.push_back(std::move(part));
}

}  // namespace kehrbote
