// The placeholder values of one appointment, in German.
//
// BuildTemplateValues fills every name in KnownPlaceholders() from an export
// appointment and its firm; the firm's country decides the regional words:
//   AT: "Jänner", <<Beruf>> "Rauchfangkehrer"
//   DE and elsewhere: "Januar", <<Beruf>> "Schornsteinfeger"
//
//   <<Anrede>>       "Herr"                     salutation; nullopt if none
//   <<Titel>>        "Ing."                     "" if none (a title is optional, not missing)
//   <<Vorname>>, <<Nachname>>, <<Firma>>         nullopt if empty
//   <<Name>>         "Herr Ing. Karl Mustermann" (salutation, title, first, last name;
//                    the company if there is no person); nullopt if neither
//   <<Briefanrede>>  "Sehr geehrter Herr Ing. Mustermann", "Sehr geehrte Frau Berger",
//                    "Sehr geehrte Familie Gruber", else "Sehr geehrte Damen und Herren"
//   <<Datum>>        "24. November 2026", "5. Jänner 2027" (AT)
//   <<DatumKurz>>    "24.11.2026"
//   <<Wochentag>>    "Dienstag"
//   <<Uhrzeit>>      "08:30"; nullopt unless the appointment has an exact time
//   <<Zeitfenster>>  "08:00–12:00 Uhr" for a window, "08:30 Uhr" for an exact time,
//                    "ab 08:00 Uhr" / "bis 12:00 Uhr" for an open window; nullopt if
//                    the appointment has neither
//   <<Terminart>>    "Hauptkehrung", "Kehrung", "Überprüfung", "Sonderarbeit"
//   <<Strasse>>, <<PLZ>>, <<Ort>>               the object's address; nullopt if empty
//   <<Objekt>>       "Redtenbachergasse 3, 4400 Steyr"; nullopt if no address at all
//   <<Kehrbetrieb>>  firm name; <<KehrbetriebTelefon>> the firm's phone as typed
//   <<Beruf>>        "Rauchfangkehrer" / "Schornsteinfeger"
#pragma once

#include <string>
#include <string_view>

#include "shared/export/export_model.h"
#include "shared/template/message_template.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

TemplateValues BuildTemplateValues(const Appointment& appointment, const Firm& firm);

// The pieces, for other German texts (heartbeat, logs shown to firms).
// `country` is ISO 3166 alpha-2, case-insensitive.
std::string GermanDate(LocalTime date, std::string_view country);  // "24. November 2026"
std::string GermanWeekday(LocalTime date);                          // "Dienstag"
std::string_view GermanKindName(AppointmentKind kind);              // "Hauptkehrung"
std::string_view SweepTradeName(std::string_view country);          // "Rauchfangkehrer"

}  // namespace kehrbote
