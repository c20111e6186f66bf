// The German texts a firm gets unless it configures its own.
//
// One set serves Austria and Germany: <<Beruf>> says "Rauchfangkehrer" or
// "Schornsteinfeger" and <<Datum>> "Jänner" or "Januar" by the firm's country
// (see template_values.h). The SMS texts avoid the customer's name, so that they
// work for every contact (tenants of a house get the main-sweep notice too), and
// leave out the firm's name (the SMS sender shows it), so that they fit one SMS
// segment (160 GSM characters) for typical addresses: firms pay per segment.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace kehrbote {

// Reminder before the appointment.
inline constexpr std::string_view kDefaultSmsReminder =
    "Ihr <<Beruf>> kommt zur <<Terminart>> am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>: "
    "<<Strasse>>, <<Ort>>. Verhindert? Bitte melden: <<KehrbetriebTelefon>>";

// The appointment moved (new date or time).
inline constexpr std::string_view kDefaultSmsChange =
    "Terminänderung: Ihr <<Beruf>> kommt zur <<Terminart>> nun am <<Wochentag>>, <<Datum>>, "
    "<<Zeitfenster>>: <<Strasse>>, <<Ort>>. Fragen: <<KehrbetriebTelefon>>";

// The appointment was cancelled.
inline constexpr std::string_view kDefaultSmsCancellation =
    "Terminabsage: Die <<Terminart>> am <<Wochentag>>, <<Datum>> (<<Strasse>>, <<Ort>>) "
    "entfällt. Wir melden uns mit einem neuen Termin. Fragen: <<KehrbetriebTelefon>>";

inline constexpr std::string_view kDefaultEmailReminderSubject =
    "Terminerinnerung: <<Terminart>> am <<Wochentag>>, <<Datum>>";

inline constexpr std::string_view kDefaultEmailReminderBody =
    "<<Briefanrede>>,\n"
    "\n"
    "wir dürfen Sie an unseren Termin erinnern. Ihr <<Beruf>> kommt zur <<Terminart>>:\n"
    "\n"
    "  am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>\n"
    "  <<Objekt>>\n"
    "\n"
    "Bitte sorgen Sie dafür, dass alle Feuerstätten und Rauchfänge bzw. Schornsteine "
    "zugänglich sind. Wenn Sie den Termin nicht wahrnehmen können, erreichen Sie uns unter "
    "<<KehrbetriebTelefon>>.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

inline constexpr std::string_view kDefaultEmailChangeSubject =
    "Terminänderung: <<Terminart>> am <<Wochentag>>, <<Datum>>";

inline constexpr std::string_view kDefaultEmailChangeBody =
    "<<Briefanrede>>,\n"
    "\n"
    "Ihr Termin hat sich geändert. Ihr <<Beruf>> kommt zur <<Terminart>> nun:\n"
    "\n"
    "  am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>\n"
    "  <<Objekt>>\n"
    "\n"
    "Wenn Sie den neuen Termin nicht wahrnehmen können, erreichen Sie uns unter "
    "<<KehrbetriebTelefon>>.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

inline constexpr std::string_view kDefaultEmailCancellationSubject =
    "Terminabsage: <<Terminart>> am <<Wochentag>>, <<Datum>>";

inline constexpr std::string_view kDefaultEmailCancellationBody =
    "<<Briefanrede>>,\n"
    "\n"
    "die <<Terminart>> am <<Wochentag>>, <<Datum>> (<<Objekt>>) entfällt. "
    "Wir melden uns mit einem neuen Termin.\n"
    "\n"
    "Bei Fragen erreichen Sie uns unter <<KehrbetriebTelefon>>.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

// The same texts for a firm whose phone number is unknown (neither its YAML nor
// its exports give one): the sentence with <<KehrbetriebTelefon>> becomes one
// without it, so that its customers are still reminded. The firm's own
// templates are never changed this way.
inline constexpr std::string_view kDefaultSmsReminderNoPhone =
    "Ihr <<Beruf>> kommt zur <<Terminart>> am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>: "
    "<<Strasse>>, <<Ort>>. Verhindert? Bitte melden Sie sich bei uns.";

inline constexpr std::string_view kDefaultSmsChangeNoPhone =
    "Terminänderung: Ihr <<Beruf>> kommt zur <<Terminart>> nun am <<Wochentag>>, <<Datum>>, "
    "<<Zeitfenster>>: <<Strasse>>, <<Ort>>.";

inline constexpr std::string_view kDefaultSmsCancellationNoPhone =
    "Terminabsage: Die <<Terminart>> am <<Wochentag>>, <<Datum>> (<<Strasse>>, <<Ort>>) "
    "entfällt. Wir melden uns mit einem neuen Termin.";

inline constexpr std::string_view kDefaultEmailReminderBodyNoPhone =
    "<<Briefanrede>>,\n"
    "\n"
    "wir dürfen Sie an unseren Termin erinnern. Ihr <<Beruf>> kommt zur <<Terminart>>:\n"
    "\n"
    "  am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>\n"
    "  <<Objekt>>\n"
    "\n"
    "Bitte sorgen Sie dafür, dass alle Feuerstätten und Rauchfänge bzw. Schornsteine "
    "zugänglich sind. Wenn Sie den Termin nicht wahrnehmen können, melden Sie sich bitte "
    "bei uns.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

inline constexpr std::string_view kDefaultEmailChangeBodyNoPhone =
    "<<Briefanrede>>,\n"
    "\n"
    "Ihr Termin hat sich geändert. Ihr <<Beruf>> kommt zur <<Terminart>> nun:\n"
    "\n"
    "  am <<Wochentag>>, <<Datum>>, <<Zeitfenster>>\n"
    "  <<Objekt>>\n"
    "\n"
    "Wenn Sie den neuen Termin nicht wahrnehmen können, melden Sie sich bitte bei uns.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

inline constexpr std::string_view kDefaultEmailCancellationBodyNoPhone =
    "<<Briefanrede>>,\n"
    "\n"
    "die <<Terminart>> am <<Wochentag>>, <<Datum>> (<<Objekt>>) entfällt. "
    "Wir melden uns mit einem neuen Termin.\n"
    "\n"
    "Mit freundlichen Grüßen\n"
    "<<Kehrbetrieb>>\n";

// Fallback texts for placeholders that the default templates use and that may
// legitimately have no value. Used with MissingValuePolicy::UseFallback; every
// other placeholder (street, firm phone, ...) without a value fails the message.
inline std::map<std::string, std::string, std::less<>> DefaultFallbacks() {
  return {{"Zeitfenster", "im Laufe des Tages"}};
}

}  // namespace kehrbote
