// Phone numbers as the office typed them, normalised to E.164 and classified.
//
// Built on libphonenumber (dispatcher only: the agent must not link this
// component, it has to build for Windows without libphonenumber/ICU).
//
//   PhoneNumber n = ParsePhoneNumber("0666 / 15651324", "AT");
//   n.e164 == "+4366615651324", n.type == PhoneNumberType::kMobile
//
// Accepted forms: national with trunk prefix ("0664 1234567", "(0151) 123 456 78",
// "0666 / 15651324"), international with "+" or the IDD prefix of the firm's
// country ("+43 664 1234567", "0043 664 1234567"). The firm's country (ISO 3166
// alpha-2) is the default region for national forms.
//
// Classification, as needed for SMS reminders:
//   kMobile     - can receive SMS.
//   kFixedLine  - a valid landline ("Festnetz"); no SMS.
//   kOther      - valid, but neither (toll-free, premium, VoIP, pager, ...); no SMS.
//   kInvalid    - not a usable number; `problem` says why.
// FIXED_LINE_OR_MOBILE (regions such as US/CA where the number itself does not
// tell) is classified kMobile with `mobile_uncertain` set: refusing such numbers
// would block every reminder to those regions, and a wrong guess costs one
// undeliverable SMS that the delivery receipt reports. AT and DE numbers are
// never of that type.
//
// `reason` is a short German text for the firm ("zu kurz", "ungültige Nummer",
// "Festnetz"); it is empty for a mobile number. ToString(PhoneNumberProblem) gives
// a stable English code for logs and the database.
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

enum class PhoneNumberType { kMobile, kFixedLine, kOther, kInvalid };

enum class PhoneNumberProblem {
  kNone,                // valid (it may still be no mobile: see type)
  kEmpty,               // nothing typed
  kNotANumber,          // no digits to speak of ("keine Angabe", "-")
  kMissingCountryCode,  // national form and no (valid) default region
  kUnknownCountryCode,  // "+999 ..."
  kTooShort,
  kTooLong,
  kInvalidLength,       // between the shortest and longest, but no valid length
  kInvalidNumber,       // right length, but no such number range
};

struct PhoneNumber {
  std::string typed;   // the input, unchanged
  std::string e164;    // "+436641234567"; empty unless problem == kNone
  std::string region;  // region of the number ("AT"), empty if unknown
  PhoneNumberType type = PhoneNumberType::kInvalid;
  PhoneNumberProblem problem = PhoneNumberProblem::kNone;
  bool mobile_uncertain = false;  // FIXED_LINE_OR_MOBILE, see above
  std::string reason;  // German, for the firm; empty for a mobile number

  bool valid() const { return problem == PhoneNumberProblem::kNone; }
  bool sms_capable() const { return type == PhoneNumberType::kMobile; }
};

// Parses a number as typed in the office software. `default_region` is the
// firm's country ("AT", "DE"); case-insensitive.
PhoneNumber ParsePhoneNumber(std::string_view typed, std::string_view default_region);

// The same, always through libphonenumber's Parse(). ParsePhoneNumber reads
// plain AT/DE/CH forms itself (Parse() is most of the cost of planning); the
// tests compare both over many generated numbers.
PhoneNumber ParsePhoneNumberWithoutShortcut(std::string_view typed,
                                            std::string_view default_region);

// Parses a number that a gateway (Kannel, an SMSC) delivers in international
// form without the "+" ("4915112345678"). Read as national, libphonenumber would
// take it for a German landline; so a "+" is put in front first. Input that already
// starts with "+" or "00" is accepted as is.
PhoneNumber ParseGatewayNumber(std::string_view digits);

// True if `code` is an ISO 3166 alpha-2 code, in capitals, of a region whose
// numbers libphonenumber knows ("AT", "DE"; not "at", "ZZ" or "A7"). A firm's
// `country` must be one: it is the default region of every national number.
bool IsPhoneRegion(std::string_view code);

// For logs: keeps "+", the country code and the last 2 digits, masks the rest
// with '*' ("+436641234567" -> "+43********67"). Input that is not E.164 is
// masked the same way except for its last 2 characters.
std::string MaskPhoneNumber(std::string_view e164);

std::string_view ToString(PhoneNumberType type);        // "mobile", "fixed_line", ...
std::string_view ToString(PhoneNumberProblem problem);  // "none", "too_short", ...

}  // namespace kehrbote
