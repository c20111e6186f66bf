#include "shared/template/template_values.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace kehrbote {

namespace {

bool IsAustria(std::string_view country) {
  return country.size() == 2 && std::toupper(static_cast<unsigned char>(country[0])) == 'A' &&
         std::toupper(static_cast<unsigned char>(country[1])) == 'T';
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

void AppendWord(std::string& out, const std::string& word) {
  if (word.empty()) return;
  if (!out.empty()) out += ' ';
  out += word;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string Briefanrede(const Customer& c) {
  std::string name;
  AppendWord(name, c.title);
  AppendWord(name, c.last_name);
  if (!c.last_name.empty()) {
    std::string_view s = c.salutation;
    // "Herrn" is the address-field form of "Herr".
    if (StartsWithNoCase(s, "herr")) return "Sehr geehrter Herr " + name;
    if (StartsWithNoCase(s, "frau")) return "Sehr geehrte Frau " + name;
    if (StartsWithNoCase(s, "familie")) return "Sehr geehrte Familie " + c.last_name;
  }
  return "Sehr geehrte Damen und Herren";
}

std::optional<std::string> PoliteName(const Customer& c) {
  if (c.first_name.empty() && c.last_name.empty()) return NonEmpty(c.company);
  std::string out;
  AppendWord(out, c.salutation);
  AppendWord(out, c.title);
  AppendWord(out, c.first_name);
  AppendWord(out, c.last_name);
  return out;
}

std::optional<std::string> Zeitfenster(const AppointmentStart& start) {
  if (start.time) return FormatTimeOfDay(*start.time) + " Uhr";
  if (start.window_from && start.window_to) {
    // U+2013 EN DASH; the SMS encoder transliterates it to '-'.
    return FormatTimeOfDay(*start.window_from) + "\u2013" + FormatTimeOfDay(*start.window_to) +
           " Uhr";
  }
  if (start.window_from) return "ab " + FormatTimeOfDay(*start.window_from) + " Uhr";
  if (start.window_to) return "bis " + FormatTimeOfDay(*start.window_to) + " Uhr";
  return std::nullopt;
}

std::chrono::year_month_day Ymd(LocalTime t) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(t));
}

}  // namespace

std::string GermanDate(LocalTime date, std::string_view country) {
  static constexpr std::string_view kMonths[] = {
      "Januar", "Februar", "März",      "April",   "Mai",      "Juni",
      "Juli",   "August",  "September", "Oktober", "November", "Dezember"};
  auto ymd = Ymd(date);
  unsigned month = static_cast<unsigned>(ymd.month());
  std::string_view month_name = (month == 1 && IsAustria(country)) ? "Jänner" : kMonths[month - 1];
  return std::to_string(static_cast<unsigned>(ymd.day())) + ". " + std::string(month_name) + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

std::string GermanWeekday(LocalTime date) {
  static constexpr std::string_view kDays[] = {"Sonntag",    "Montag",  "Dienstag", "Mittwoch",
                                               "Donnerstag", "Freitag", "Samstag"};
  std::chrono::weekday wd{std::chrono::floor<std::chrono::days>(date)};
  return std::string(kDays[wd.c_encoding()]);
}

std::string_view GermanKindName(AppointmentKind kind) {
  switch (kind) {
    case AppointmentKind::kMainSweep: return "Hauptkehrung";
    case AppointmentKind::kSweep: return "Kehrung";
    case AppointmentKind::kInspection: return "Überprüfung";
    case AppointmentKind::kSpecial: return "Sonderarbeit";
  }
  return "Kehrung";
}

std::string_view SweepTradeName(std::string_view country) {
  return IsAustria(country) ? "Rauchfangkehrer" : "Schornsteinfeger";
}

TemplateValues BuildTemplateValues(const Appointment& a, const Firm& firm) {
  const Customer& c = a.customer;
  const ObjectAddress& o = a.object;
  TemplateValues v;
  v["Anrede"] = NonEmpty(c.salutation);
  v["Titel"] = c.title;  // present even when empty: most customers have no title
  v["Vorname"] = NonEmpty(c.first_name);
  v["Nachname"] = NonEmpty(c.last_name);
  v["Name"] = PoliteName(c);
  v["Briefanrede"] = Briefanrede(c);
  v["Firma"] = NonEmpty(c.company);

  auto ymd = Ymd(a.start.date);
  char short_date[16];
  std::snprintf(short_date, sizeof short_date, "%02u.%02u.%04d",
                static_cast<unsigned>(ymd.day()), static_cast<unsigned>(ymd.month()),
                static_cast<int>(ymd.year()));
  v["Datum"] = GermanDate(a.start.date, firm.country);
  v["DatumKurz"] = std::string(short_date);
  v["Wochentag"] = GermanWeekday(a.start.date);
  v["Uhrzeit"] = a.start.time ? std::optional<std::string>(FormatTimeOfDay(*a.start.time))
                              : std::nullopt;
  v["Zeitfenster"] = Zeitfenster(a.start);
  v["Terminart"] = std::string(GermanKindName(a.kind));

  v["Strasse"] = NonEmpty(o.street);
  v["PLZ"] = NonEmpty(o.zip);
  v["Ort"] = NonEmpty(o.city);
  std::string place;
  AppendWord(place, o.zip);
  AppendWord(place, o.city);
  std::string objekt = o.street;
  if (!objekt.empty() && !place.empty()) objekt += ", ";
  objekt += place;
  v["Objekt"] = NonEmpty(objekt);

  v["Kehrbetrieb"] = NonEmpty(firm.name);
  v["KehrbetriebTelefon"] = NonEmpty(firm.phone);
  v["Beruf"] = std::string(SweepTradeName(firm.country));
  return v;
}

}  // namespace kehrbote
