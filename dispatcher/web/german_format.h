// How the portal writes numbers, money and times for German-speaking offices
// (pure): "1,35 €", "24. November 2026, 07:30" ("Jänner" for Austrian firms,
// through shared/template's GermanDate), "vor 3 Std.".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "shared/time/clock.h"

namespace kehrbote {

// Two decimals, decimal comma, thousands dot, a no-break space before the sign:
// 1.35 -> "1,35 €", 1234.5 -> "1.234,50 €".
std::string FormatEuro(double amount);
// "24. November 2026, 07:30" in `zone`; `country` "AT" writes "Jänner".
std::string FormatDateTime(Instant t, std::string_view zone, std::string_view country);
// "24. November 2026".
std::string FormatDate(Instant t, std::string_view zone, std::string_view country);
// "vor 5 Min.", "vor 3 Std.", "vor 2 Tagen" (age >= 0).
std::string FormatAge(std::chrono::seconds age);

}  // namespace kehrbote
