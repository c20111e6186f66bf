#include "shared/phone/phone_number.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace kehrbote {

namespace {

using i18n::phonenumbers::PhoneNumberUtil;
using LibNumber = i18n::phonenumbers::PhoneNumber;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string_view GermanReason(PhoneNumberProblem p) {
  switch (p) {
    case PhoneNumberProblem::kNone: return "";
    case PhoneNumberProblem::kEmpty: return "keine Nummer angegeben";
    case PhoneNumberProblem::kNotANumber: return "keine Telefonnummer";
    case PhoneNumberProblem::kMissingCountryCode: return "Ländervorwahl fehlt";
    case PhoneNumberProblem::kUnknownCountryCode: return "unbekannte Ländervorwahl";
    case PhoneNumberProblem::kTooShort: return "zu kurz";
    case PhoneNumberProblem::kTooLong: return "zu lang";
    case PhoneNumberProblem::kInvalidLength: return "ungültige Länge";
    case PhoneNumberProblem::kInvalidNumber: return "ungültige Nummer";
  }
  return "ungültige Nummer";
}

PhoneNumber Invalid(PhoneNumber n, PhoneNumberProblem problem) {
  n.e164.clear();
  n.type = PhoneNumberType::kInvalid;
  n.problem = problem;
  n.reason = std::string(GermanReason(problem));
  return n;
}

bool IsKnownRegion(const PhoneNumberUtil& util, const std::string& region) {
  return util.GetCountryCodeForRegion(region) != 0;
}

// A valid number: E.164, region and SMS classification.
PhoneNumber Valid(PhoneNumber n, const LibNumber& number, PhoneNumberUtil::PhoneNumberType lib_type) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  n.problem = PhoneNumberProblem::kNone;
  util.Format(number, PhoneNumberUtil::E164, &n.e164);
  util.GetRegionCodeForNumber(number, &n.region);
  if (n.region == "ZZ") n.region.clear();
  switch (lib_type) {
    case PhoneNumberUtil::MOBILE:
      n.type = PhoneNumberType::kMobile;
      n.reason.clear();
      break;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      n.type = PhoneNumberType::kMobile;
      n.mobile_uncertain = true;
      n.reason.clear();
      break;
    case PhoneNumberUtil::FIXED_LINE:
      n.type = PhoneNumberType::kFixedLine;
      n.reason = "Festnetz";
      break;
    default:
      n.type = PhoneNumberType::kOther;
      n.reason = "keine Mobilnummer";
      break;
  }
  return n;
}

// The regions whose numbers the shortcut below reads itself: national prefix
// "0", international prefix "00", and no national number starting with 0.
constexpr struct {
  const char* region;
  const char* country_code;
  int code;
} kShortcutRegions[] = {{"AT", "43", 43}, {"DE", "49", 49}, {"CH", "41", 41}};

// libphonenumber's Parse() spends most of its time in ICU regular expressions
// (extensions, viability, prefixes): about 30 us a number, the largest single
// cost of planning many appointments. The numbers offices type are mostly plain:
// "0664 1234567", "+43 664 1234567", "0049 151 ...". For those this reads the
// country code and national number directly. It only shortcuts Parse(): the
// caller still asks libphonenumber whether the number is possible and of which
// type, and takes the full path unless the number turns out valid (a valid
// national number is exactly what Parse() makes of these forms; the phone test
// compares both paths over many generated numbers). Anything else - letters,
// extensions, other countries, a 0 after the country code - returns false.
bool ShortcutParse(const std::string& text, const std::string& region, LibNumber* out) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (c != ' ' && c != '/' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  const auto* home = std::find_if(std::begin(kShortcutRegions), std::end(kShortcutRegions),
                                  [&](const auto& r) { return region == r.region; });
  const bool home_known = home != std::end(kShortcutRegions);
  std::string_view international;
  int code = 0;
  std::string_view national;
  if (plus) {
    international = digits;
  } else if (home_known && digits.size() > 2 && digits[0] == '0' && digits[1] == '0') {
    international = std::string_view(digits).substr(2);
  } else if (home_known && digits.size() > 1 && digits[0] == '0') {
    code = home->code;
    national = std::string_view(digits).substr(1);
  } else {
    return false;
  }
  if (code == 0) {
    const auto* r = std::find_if(
        std::begin(kShortcutRegions), std::end(kShortcutRegions),
        [&](const auto& shortcut) { return international.starts_with(shortcut.country_code); });
    if (r == std::end(kShortcutRegions)) return false;
    code = r->code;
    national = international.substr(2);
  }
  if (national.size() < 2 || national.size() > 17 || national[0] == '0') return false;
  uint64_t value = 0;
  for (char c : national) value = value * 10 + static_cast<uint64_t>(c - '0');
  out->set_country_code(code);
  out->set_national_number(value);
  return true;
}

// The full path through libphonenumber's Parse(), with a reason for every
// problem. `text` is what libphonenumber sees, `region` the default region
// ("ZZ" for none).
PhoneNumber ClassifyFully(PhoneNumber n, const std::string& text, const std::string& region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  if (text.empty()) return Invalid(std::move(n), PhoneNumberProblem::kEmpty);

  LibNumber number;
  switch (util.Parse(text, region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR: {
      // Without "+"/IDD the number needed the default region; with it, the code is bad.
      bool international = text[0] == '+' || text.rfind("00", 0) == 0;
      return Invalid(std::move(n), !international && !IsKnownRegion(util, region)
                                       ? PhoneNumberProblem::kMissingCountryCode
                                       : PhoneNumberProblem::kUnknownCountryCode);
    }
    case PhoneNumberUtil::NOT_A_NUMBER:
      return Invalid(std::move(n), PhoneNumberProblem::kNotANumber);
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Invalid(std::move(n), PhoneNumberProblem::kTooShort);
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Invalid(std::move(n), PhoneNumberProblem::kTooLong);
  }

  switch (util.IsPossibleNumberWithReason(number)) {
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:  // a local number without area code
    case PhoneNumberUtil::TOO_SHORT:
      return Invalid(std::move(n), PhoneNumberProblem::kTooShort);
    case PhoneNumberUtil::TOO_LONG:
      return Invalid(std::move(n), PhoneNumberProblem::kTooLong);
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return Invalid(std::move(n), PhoneNumberProblem::kUnknownCountryCode);
    case PhoneNumberUtil::INVALID_LENGTH:
      return Invalid(std::move(n), PhoneNumberProblem::kInvalidLength);
  }
  // GetNumberType is UNKNOWN exactly when IsValidNumber is false (both match the
  // number against its region's patterns); one call instead of both halves the
  // regular-expression work, which dominates planning of many contacts.
  const PhoneNumberUtil::PhoneNumberType lib_type = util.GetNumberType(number);
  if (lib_type == PhoneNumberUtil::UNKNOWN) {
    // Regions such as AT allow very short landline numbers, so "0664" alone is
    // "possible"; measured against mobile numbers (what a reminder needs) it is
    // too short, which is the more helpful thing to tell the firm.
    switch (util.IsPossibleNumberForTypeWithReason(number, PhoneNumberUtil::MOBILE)) {
      case PhoneNumberUtil::TOO_SHORT:
        return Invalid(std::move(n), PhoneNumberProblem::kTooShort);
      case PhoneNumberUtil::TOO_LONG:
        return Invalid(std::move(n), PhoneNumberProblem::kTooLong);
      default:
        return Invalid(std::move(n), PhoneNumberProblem::kInvalidNumber);
    }
  }

  return Valid(std::move(n), number, lib_type);
}

PhoneNumber Classify(PhoneNumber n, const std::string& text, const std::string& region,
                     bool shortcut) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  LibNumber number;
  if (shortcut && ShortcutParse(text, region, &number) &&
      util.IsPossibleNumberWithReason(number) == PhoneNumberUtil::IS_POSSIBLE) {
    const PhoneNumberUtil::PhoneNumberType lib_type = util.GetNumberType(number);
    if (lib_type != PhoneNumberUtil::UNKNOWN) return Valid(std::move(n), number, lib_type);
  }
  return ClassifyFully(std::move(n), text, region);
}

}  // namespace

static PhoneNumber Parse(std::string_view typed, std::string_view default_region, bool shortcut) {
  PhoneNumber n;
  n.typed = std::string(typed);
  std::string region;
  for (char c : default_region) region += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (region.empty()) region = "ZZ";
  return Classify(std::move(n), Trim(typed), region, shortcut);
}

PhoneNumber ParsePhoneNumber(std::string_view typed, std::string_view default_region) {
  return Parse(typed, default_region, true);
}

PhoneNumber ParsePhoneNumberWithoutShortcut(std::string_view typed, std::string_view default_region) {
  return Parse(typed, default_region, false);
}

PhoneNumber ParseGatewayNumber(std::string_view digits) {
  PhoneNumber n;
  n.typed = std::string(digits);
  std::string text = Trim(digits);
  if (text.rfind("00", 0) == 0) {
    text = "+" + text.substr(2);
  } else if (!text.empty() && text[0] != '+') {
    text = "+" + text;
  }
  return Classify(std::move(n), text, "ZZ", true);
}

bool IsPhoneRegion(std::string_view code) {
  if (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) ||
      !std::isupper(static_cast<unsigned char>(code[1])))
    return false;
  std::set<std::string> regions;
  PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
  return regions.count(std::string(code)) > 0;
}

std::string MaskPhoneNumber(std::string_view e164) {
  std::string s(e164);
  size_t keep_front = 0;
  if (!s.empty() && s[0] == '+') {
    // Country codes are prefix-free: the first 1-3 digits that name one are it
    // (a table lookup; Parse() would cost regular expressions per log line).
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    keep_front = 1;
    int code = 0;
    for (size_t len = 1; len <= 3 && len < s.size(); ++len) {
      if (s[len] < '0' || s[len] > '9') break;
      code = code * 10 + (s[len] - '0');
      std::string region;
      util.GetRegionCodeForCountryCode(code, &region);
      if (region != "ZZ") {
        keep_front = 1 + len;
        break;
      }
    }
  }
  size_t keep_back = s.size() >= keep_front + 4 ? 2 : 0;  // short input: mask all
  for (size_t i = keep_front; i + keep_back < s.size(); ++i) s[i] = '*';
  return s;
}

std::string_view ToString(PhoneNumberType type) {
  switch (type) {
    case PhoneNumberType::kMobile: return "mobile";
    case PhoneNumberType::kFixedLine: return "fixed_line";
    case PhoneNumberType::kOther: return "other";
    case PhoneNumberType::kInvalid: return "invalid";
  }
  return "invalid";
}

std::string_view ToString(PhoneNumberProblem problem) {
  switch (problem) {
    case PhoneNumberProblem::kNone: return "none";
    case PhoneNumberProblem::kEmpty: return "empty";
    case PhoneNumberProblem::kNotANumber: return "not_a_number";
    case PhoneNumberProblem::kMissingCountryCode: return "missing_country_code";
    case PhoneNumberProblem::kUnknownCountryCode: return "unknown_country_code";
    case PhoneNumberProblem::kTooShort: return "too_short";
    case PhoneNumberProblem::kTooLong: return "too_long";
    case PhoneNumberProblem::kInvalidLength: return "invalid_length";
    case PhoneNumberProblem::kInvalidNumber: return "invalid_number";
  }
  return "invalid_number";
}

}  // namespace kehrbote
