#include "dispatcher/planning/reminder_rule.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace kehrbote {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kGermanWeekdayNames = {
    "Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string FormatLead(seconds lead) {
  if (lead == seconds{0}) return "0m";
  std::string out;
  auto d = lead / days{1};
  lead -= days{d};
  auto h = lead / hours{1};
  lead -= hours{h};
  auto m = lead / minutes{1};
  lead -= minutes{m};
  if (d) out += std::to_string(d) + "d";
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (lead.count()) out += std::to_string(lead.count()) + "s";
  return out;
}

std::string FormatLead(seconds lead, days lead_days) {
  if (lead_days <= days{0}) {
    // No days written: hours stay hours ("24h", not "1d").
    const auto h = lead / hours{1};
    const std::string rest = FormatLead(lead - hours{h});
    if (h == 0) return rest;
    return std::to_string(h) + "h" + (rest == "0m" ? "" : rest);
  }
  const seconds rest = lead - lead_days;
  return std::to_string(lead_days.count()) + "d" +
         (rest > seconds{0} ? FormatLead(rest, days{0}) : "");
}

days LeadDaysAsWritten(std::string_view written) {
  const size_t d = written.find('d');
  if (d == std::string_view::npos) return days{0};
  int n = 0;
  for (char ch : written.substr(0, d)) {
    if (ch < '0' || ch > '9') return days{0};
    n = n * 10 + (ch - '0');
  }
  return days{n};
}

std::optional<std::chrono::weekday> ParseWeekday(std::string_view text) {
  const std::string t = Lower(text);
  for (unsigned i = 0; i < 7; ++i) {
    const std::string en = Lower(kWeekdayNames[i]);
    const std::string de = Lower(kGermanWeekdayNames[i]);
    if (t == en || t == en.substr(0, 3) || t == de || t == de.substr(0, 2))
      return std::chrono::weekday{i};
  }
  return std::nullopt;
}

std::string_view WeekdayName(std::chrono::weekday wd) { return kWeekdayNames[wd.c_encoding()]; }

Instant FloorToQuarterHour(Instant t, std::string_view zone) {
  const LocalTime local = ToLocal(t, zone);
  const seconds into_quarter = local.time_since_epoch() % minutes{15};
  return t - into_quarter;
}

std::string ReminderRule::Validate() const {
  if (name.empty()) return "a rule needs a name";
  if (lead < seconds{0}) return "lead must not be negative";
  if (lead_days < days{0} || lead_days > lead) return "lead_days must lie within the lead";
  if (weekday && !at) return "a weekday rule needs 'at' (e.g. weekday: saturday, at: \"20:00\")";
  if (at && !weekday && lead % days{1} != seconds{0})
    return "'at' needs a lead of whole days (e.g. lead: 1d, at: \"18:00\")";
  if (!at && !weekday && lead == seconds{0}) return "lead must be positive";
  return "";
}

Instant ReminderRule::SendTime(LocalTime start, std::string_view zone) const {
  Instant t;
  if (weekday) {
    // Latest local weekday@at not later than (start - lead).
    const LocalTime limit = ToLocal(ToInstant(start - lead_days, zone) - (lead - lead_days), zone);
    LocalTime day = floor<days>(limit);
    for (int i = 0; i < 8; ++i, day -= days{1}) {
      const std::chrono::weekday wd{std::chrono::local_days{floor<days>(day)}};
      if (wd == *weekday && day + *at <= limit) break;
    }
    t = ToInstant(day + *at, zone);
  } else if (at) {
    const LocalTime day = floor<days>(start) - days{lead / days{1}};
    t = ToInstant(day + *at, zone);
  } else {
    // The days as written are calendar days, the rest elapsed time.
    t = ToInstant(start - lead_days, zone) - (lead - lead_days);
  }
  return round_to_quarter_hour ? FloorToQuarterHour(t, zone) : t;
}

bool ReminderRule::UsesDateOnlyTime(const AppointmentStart& start) const {
  return !start.time && !start.window_from && !at && !weekday;
}

Instant ReminderRule::SendTime(const AppointmentStart& start, std::string_view zone,
                               minutes date_only_time) const {
  if (!UsesDateOnlyTime(start)) return SendTime(start.Earliest(), zone);
  // Whole days before the date, rounded up: at least `lead` before the day begins.
  const auto n = (lead + days{1} - seconds{1}) / days{1};
  const Instant t = ToInstant(floor<days>(start.date) - days{n} + date_only_time, zone);
  return round_to_quarter_hour ? FloorToQuarterHour(t, zone) : t;
}

std::string ReminderRule::Describe() const {
  std::string out;
  if (weekday) {
    out = std::string(WeekdayName(*weekday)) + " " + FormatTimeOfDay(*at) + " before";
    if (lead > seconds{0}) out += " (at least " + FormatLead(lead, lead_days) + ")";
  } else if (at) {
    out = FormatLead(lead, lead_days) + " before at " + FormatTimeOfDay(*at);
  } else {
    out = FormatLead(lead, lead_days) + " before";
  }
  return out;
}

}  // namespace kehrbote
