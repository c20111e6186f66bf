#include "shared/log/personal_data.h"

#include <algorithm>
#include <cstddef>

namespace kehrbote {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsNumberSeparator(char c) { return c == ' ' || c == '/' || c == '-' || c == '(' || c == ')'; }
bool IsAddressChar(char c) {
  return IsDigit(c) || IsAlpha(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '%';
}

// Length of the phone-like number starting at text[i] (0: none). Starts with '+'
// or '0' and is not the tail of a longer word or number ("v0123", "10664").
size_t PhoneLikeLength(std::string_view text, size_t i) {
  if (text[i] != '+' && text[i] != '0') return 0;
  if (i > 0 && (IsDigit(text[i - 1]) || IsAlpha(text[i - 1]))) return 0;
  size_t end = i + 1, last_digit = IsDigit(text[i]) ? i + 1 : 0;
  int digits = IsDigit(text[i]) ? 1 : 0;
  while (end < text.size() && (IsDigit(text[end]) || IsNumberSeparator(text[end]))) {
    if (IsDigit(text[end])) {
      ++digits;
      last_digit = end + 1;
    }
    ++end;
  }
  // A letter glued to the digits makes it a word or an id ("0664abc"), not a number.
  if (last_digit < text.size() && last_digit == end && IsAlpha(text[last_digit])) return 0;
  return digits >= 7 ? last_digit - i : 0;
}

// The e-mail address around the '@' at text[at]: [*begin, *end), or false.
bool EmailAround(std::string_view text, size_t at, size_t* begin, size_t* end) {
  size_t b = at;
  while (b > 0 && IsAddressChar(text[b - 1])) --b;
  size_t e = at + 1;
  while (e < text.size() && IsAddressChar(text[e])) ++e;
  while (e > at + 1 && (text[e - 1] == '.' || text[e - 1] == '-')) --e;  // sentence end
  const std::string_view domain = text.substr(at + 1, e - at - 1);
  const size_t dot = domain.rfind('.');
  if (b == at || dot == std::string_view::npos) return false;
  const std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), IsAlpha)) return false;
  *begin = b;
  *end = e;
  return true;
}

}  // namespace

std::string MaskPersonalData(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (const size_t n = PhoneLikeLength(text, i); n > 0) {
      out += MaskTypedNumber(text.substr(i, n));
      i += n;
      continue;
    }
    out += text[i];
    ++i;
  }
  // Addresses second: a masked number cannot contain an '@'.
  for (size_t at = out.find('@'); at != std::string::npos; at = out.find('@', at + 1)) {
    size_t b = 0, e = 0;
    if (!EmailAround(out, at, &b, &e)) continue;
    const std::string masked = MaskEmail(std::string_view(out).substr(b, e - b));
    out.replace(b, e - b, masked);
    at = b + masked.find('@');
  }
  return out;
}

std::string MaskEmail(std::string_view address) {
  const size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(address.substr(0, 1)) + "***" + std::string(address.substr(at));
}

std::string MaskTypedNumber(std::string_view typed) {
  const auto digits = static_cast<std::size_t>(std::count_if(typed.begin(), typed.end(), IsDigit));
  const std::size_t keep_front = digits >= 9 ? 4 : 0;
  const std::size_t keep_back = digits >= 4 ? 2 : 0;
  std::string out(typed);
  std::size_t seen = 0;
  for (char& c : out) {
    if (!IsDigit(c)) continue;
    if (seen >= keep_front && seen + keep_back < digits) c = '*';
    ++seen;
  }
  return out;
}

std::string MaskName(std::string_view name) {
  std::string out;
  std::size_t chars = 0;  // characters of the current word so far
  for (char c : name) {
    if (c == ' ' || c == '-') {
      out += c;
      chars = 0;
      continue;
    }
    const bool lead = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (lead) ++chars;
    if (chars == 1) {
      out += c;  // the first character, all its bytes
    } else if (lead) {
      out += '*';
    }
  }
  return out;
}

}  // namespace kehrbote
