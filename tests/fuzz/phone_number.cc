// Fuzz target: phone numbers as typed in the office software. Input: the first
// byte chooses the firm's country, the rest is the number. Contract checked
// (phone_number.h): the fast path of ParsePhoneNumber gives exactly what
// libphonenumber's Parse() gives (ParsePhoneNumberWithoutShortcut), field by
// field; ParseGatewayNumber and MaskPhoneNumber take anything; a masked valid
// number keeps its length and shows at most the country code and 2 digits.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shared/phone/phone_number.h"

namespace kehrbote {
namespace {

bool Same(const PhoneNumber& a, const PhoneNumber& b) {
  return a.typed == b.typed && a.e164 == b.e164 && a.region == b.region && a.type == b.type &&
         a.problem == b.problem && a.mobile_uncertain == b.mobile_uncertain && a.reason == b.reason;
}

void Print(const char* what, const PhoneNumber& n) {
  fprintf(stderr, "%s: e164=%s region=%s type=%s problem=%s uncertain=%d\n", what, n.e164.c_str(),
          n.region.c_str(), std::string(ToString(n.type)).c_str(),
          std::string(ToString(n.problem)).c_str(), n.mobile_uncertain);
}

void CheckMask(const std::string& e164) {
  std::string masked = MaskPhoneNumber(e164);
  size_t shown = std::count_if(masked.begin(), masked.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (masked.size() != e164.size() || shown > 3 + 2) abort();
}

}  // namespace
}  // namespace kehrbote

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  static const char* kRegions[] = {"AT", "DE", "CH", "at", "US", "IT", "", "ZZ"};
  if (size == 0) return 0;
  std::string_view region = kRegions[data[0] & 7];
  std::string_view typed(reinterpret_cast<const char*>(data + 1), size - 1);
  PhoneNumber fast = ParsePhoneNumber(typed, region);
  PhoneNumber reference = ParsePhoneNumberWithoutShortcut(typed, region);
  if (!Same(fast, reference)) {
    Print("fast path", fast);
    Print("libphonenumber", reference);
    abort();
  }
  if (fast.valid()) CheckMask(fast.e164);
  PhoneNumber gateway = ParseGatewayNumber(typed);
  if (gateway.valid()) CheckMask(gateway.e164);
  MaskPhoneNumber(typed);
  return 0;
}
