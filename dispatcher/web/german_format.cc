#include "dispatcher/web/german_format.h"

#include <cmath>
#include <cstdio>

#include "shared/template/template_values.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

std::string FormatEuro(double amount) {
  long long cents = std::llround(amount * 100);
  bool negative = cents < 0;
  if (negative) cents = -cents;
  std::string whole = std::to_string(cents / 100);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += '.';
    grouped += whole[i];
  }
  char frac[4];
  std::snprintf(frac, sizeof frac, "%02lld", cents % 100);
  return (negative ? "-" : "") + grouped + "," + frac + "\u00a0€";
}

std::string FormatDate(Instant t, std::string_view zone, std::string_view country) {
  return GermanDate(ToLocal(t, zone), country);
}

std::string FormatDateTime(Instant t, std::string_view zone, std::string_view country) {
  LocalTime local = ToLocal(t, zone);
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(
      local - std::chrono::floor<std::chrono::days>(local));
  return GermanDate(local, country) + ", " + FormatTimeOfDay(minutes);
}

std::string FormatAge(std::chrono::seconds age) {
  long long s = age.count();
  if (s < 3600) return "vor " + std::to_string(s / 60) + " Min.";
  if (s < 48 * 3600) return "vor " + std::to_string(s / 3600) + " Std.";
  return "vor " + std::to_string(s / 86400) + " Tagen";
}

}  // namespace kehrbote
