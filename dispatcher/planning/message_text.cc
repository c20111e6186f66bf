#include "dispatcher/planning/message_text.h"

#include <array>

#include "shared/sms/segmented_text.h"
#include "shared/template/message_template.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using std::chrono::days;
using std::chrono::floor;

// German defaults, used when the firm sets no template of that name.
std::string_view DefaultText(std::string_view name) {
  if (name == kTemplateSmsReminder)
    return "Kehrtermin: <<Wochentag>>, <<Datum>> <<Uhrzeit>>, <<Strasse>>, <<Ort>>. "
           "<<Kehrbetrieb>>";
  if (name == kTemplateSmsChange)
    return "Terminänderung: Ihr Kehrtermin ist nun am <<Wochentag>>, <<Datum>> <<Uhrzeit>>, "
           "<<Strasse>>. <<Kehrbetrieb>>";
  if (name == kTemplateSmsCancellation)
    return "Absage: Ihr Kehrtermin am <<Datum>>, <<Strasse>> entfällt. Wir melden uns mit einem "
           "neuen Termin. <<Kehrbetrieb>>";
  if (name == kTemplateEmailSubject) return "Kehrtermin am <<Datum>> <<Uhrzeit>>";
  if (name == kTemplateEmailBody)
    return "<<Briefanrede>>,\n\nwir kommen am <<Wochentag>>, <<Datum>> <<Uhrzeit>> zur "
           "<<Terminart>> in <<Strasse>>, <<PLZ>> <<Ort>>.\n\nMit freundlichen Grüßen\n"
           "<<Kehrbetrieb>>";
  if (name == kTemplateEmailChangeSubject) return "Terminänderung: Kehrtermin am <<Datum>>";
  if (name == kTemplateEmailChangeBody)
    return "<<Briefanrede>>,\n\nIhr Kehrtermin in <<Strasse>>, <<PLZ>> <<Ort>> wurde verschoben. "
           "Neuer Termin: <<Wochentag>>, <<Datum>> <<Uhrzeit>>.\n\nMit freundlichen Grüßen\n"
           "<<Kehrbetrieb>>";
  if (name == kTemplateEmailCancellationSubject) return "Absage: Kehrtermin am <<Datum>>";
  if (name == kTemplateEmailCancellationBody)
    return "<<Briefanrede>>,\n\nIhr Kehrtermin am <<Datum>> in <<Strasse>>, <<PLZ>> <<Ort>> "
           "entfällt. Wir melden uns mit einem neuen Termin.\n\nMit freundlichen Grüßen\n"
           "<<Kehrbetrieb>>";
  return "";
}

std::string Two(unsigned v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string_view KindName(AppointmentKind k) {
  switch (k) {
    case AppointmentKind::kMainSweep: return "Hauptkehrung";
    case AppointmentKind::kSweep: return "Kehrung";
    case AppointmentKind::kInspection: return "Überprüfung";
    case AppointmentKind::kSpecial: return "Sonderarbeit";
  }
  return "Kehrung";
}

TemplateValues ValuesFor(const FirmPolicy& firm, const Appointment& a) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"};
  const std::chrono::local_days day{floor<days>(a.start.date)};
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  TemplateValues v;
  v["Datum"] = Two(unsigned(ymd.day())) + "." + Two(unsigned(ymd.month())) + "." +
               std::to_string(int(ymd.year()));
  v["DatumKurz"] = Two(unsigned(ymd.day())) + "." + Two(unsigned(ymd.month())) + ".";
  v["Wochentag"] = std::string(kDays[wd.c_encoding()]);
  if (a.start.time) {
    v["Uhrzeit"] = "um " + FormatTimeOfDay(*a.start.time) + " Uhr";
    v["Zeitfenster"] = FormatTimeOfDay(*a.start.time) + " Uhr";
  } else if (a.start.window_from && a.start.window_to) {
    v["Uhrzeit"] = "zwischen " + FormatTimeOfDay(*a.start.window_from) + " und " +
                   FormatTimeOfDay(*a.start.window_to) + " Uhr";
    v["Zeitfenster"] = FormatTimeOfDay(*a.start.window_from) + "-" +
                       FormatTimeOfDay(*a.start.window_to) + " Uhr";
  } else if (a.start.window_from) {
    v["Uhrzeit"] = "ab " + FormatTimeOfDay(*a.start.window_from) + " Uhr";
    v["Zeitfenster"] = v["Uhrzeit"];
  } else {
    v["Uhrzeit"] = "";
    v["Zeitfenster"] = "ganztägig";
  }
  v["Terminart"] = std::string(KindName(a.kind));
  v["Anrede"] = a.customer.salutation;
  v["Titel"] = a.customer.title;
  v["Vorname"] = a.customer.first_name;
  v["Nachname"] = a.customer.last_name;
  std::string name = a.customer.last_name.empty() ? a.customer.company : a.customer.first_name +
                                                                              (a.customer.first_name.empty() ? "" : " ") +
                                                                              a.customer.last_name;
  v["Name"] = name;
  v["Firma"] = a.customer.company;
  if (a.customer.salutation == "Herr" && !a.customer.last_name.empty())
    v["Briefanrede"] = "Sehr geehrter Herr " +
                       (a.customer.title.empty() ? "" : a.customer.title + " ") +
                       a.customer.last_name;
  else if (a.customer.salutation == "Frau" && !a.customer.last_name.empty())
    v["Briefanrede"] = "Sehr geehrte Frau " +
                       (a.customer.title.empty() ? "" : a.customer.title + " ") +
                       a.customer.last_name;
  else
    v["Briefanrede"] = "Sehr geehrte Damen und Herren";
  v["Strasse"] = a.object.street;
  v["PLZ"] = a.object.zip;
  v["Ort"] = a.object.city;
  v["Objekt"] = a.object.id;
  v["Kehrbetrieb"] = firm.firm_name.empty() ? firm.sender_name : firm.firm_name;
  v["KehrbetriebTelefon"] = firm.firm_phone;
  v["Beruf"] = firm.country == "DE" ? "Schornsteinfeger" : "Rauchfangkehrer";
  return v;
}

// Parsed templates by text: a pass renders the same few templates for thousands
// of appointments. Per thread, bounded.
const MessageTemplate& ParsedTemplate(std::string_view name, std::string_view text) {
  thread_local std::map<std::string, MessageTemplate, std::less<>> cache;
  auto it = cache.find(text);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 512) cache.clear();
  return cache.emplace(std::string(text), MessageTemplate::Parse(text, name)).first->second;
}

const MissingValuePolicy& EmptyFallbacks() {
  static const MissingValuePolicy policy = [] {
    std::map<std::string, std::string, std::less<>> fallbacks;
    for (std::string_view p : KnownPlaceholders()) fallbacks[std::string(p)] = "";
    return MissingValuePolicy::UseFallback(std::move(fallbacks));
  }();
  return policy;
}

std::string Render(const FirmPolicy& firm, std::string_view name, const TemplateValues& values) {
  auto it = firm.templates.find(name);
  const std::string_view text = it != firm.templates.end() ? std::string_view(it->second)
                                                           : DefaultText(name);
  // Values are always present (possibly empty); the fallbacks only guard.
  return ParsedTemplate(name, text).Render(values, EmptyFallbacks()).text;
}

}  // namespace

std::string ValidateTemplateText(std::string_view name, std::string_view text) {
  try {
    MessageTemplate::Parse(text, name);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

RenderedText EncodeSms(SmsEncodingPolicy policy, std::string_view text) {
  SegmentedText s(text, policy == SmsEncodingPolicy::kUcs2 ? SmsPolicy::kAllowUcs2
                                                           : SmsPolicy::kGsm7Only);
  RenderedText out;
  out.body = s.text();
  out.segments = static_cast<int>(s.segment_count());
  return out;
}

RenderedText EncodeSms(const FirmPolicy& firm, std::string_view text) {
  return EncodeSms(firm.sms_encoding, text);
}

RenderedText RenderAppointmentMessage(const FirmPolicy& firm, std::string_view purpose,
                                      ContactChannel channel, const Appointment& appointment) {
  const bool change = purpose == "change";
  const bool cancellation = purpose == "cancellation";
  const TemplateValues values = ValuesFor(firm, appointment);
  if (channel == ContactChannel::kSms) {
    const std::string_view name = change         ? kTemplateSmsChange
                                  : cancellation ? kTemplateSmsCancellation
                                                 : kTemplateSmsReminder;
    return EncodeSms(firm, Render(firm, name, values));
  }
  RenderedText out;
  out.subject = Render(firm,
                       change         ? kTemplateEmailChangeSubject
                       : cancellation ? kTemplateEmailCancellationSubject
                                      : kTemplateEmailSubject,
                       values);
  out.body = Render(firm,
                    change         ? kTemplateEmailChangeBody
                    : cancellation ? kTemplateEmailCancellationBody
                                   : kTemplateEmailBody,
                    values);
  return out;
}

}  // namespace kehrbote
