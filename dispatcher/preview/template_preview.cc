#include "dispatcher/preview/template_preview.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "dispatcher/planning/message_text.h"
#include "shared/template/default_templates.h"
#include "shared/template/template_values.h"

namespace kehrbote {
namespace {

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string Quoted(std::string_view s) { return "\u201E" + std::string(s) + "\u201C"; }

void AddMissingWarnings(const RenderResult& r, TemplatePreview& p) {
  const auto fallbacks = DefaultFallbacks();
  for (const std::string& name : r.missing) {
    auto it = fallbacks.find(name);
    p.warnings.push_back(
        "<<" + name + ">> hat für diesen Termin keinen Wert: " +
        (it != fallbacks.end() ? Quoted(it->second) + " wird eingesetzt."
                               : "die Nachricht würde nicht gesendet."));
  }
}

void AddChangeWarnings(TemplatePreview& p) {
  for (const TextChange& c : p.changes)
    p.warnings.push_back(c.kind == TextChange::Kind::kDropped
                             ? Quoted(c.original) + " ist im SMS-Zeichensatz nicht enthalten und "
                                                    "wird weggelassen."
                             : Quoted(c.original) + " wird als " + Quoted(c.replacement) +
                                   " gesendet.");
}

TemplatePreview Preview(const FirmPolicy& firm, std::string_view name, std::string_view text,
                        bool is_sms, const TemplateValues& values, const SmsPrice& price) {
  TemplatePreview p;
  p.name = std::string(name);
  p.sms = is_sms;
  const MessageTemplate t = MessageTemplate::Parse(text, name);
  const RenderResult r =
      t.Render(values, MissingValuePolicy::UseFallback(DefaultFallbacks()));
  p.missing = r.missing;
  p.sendable = r.ok;
  AddMissingWarnings(r, p);
  if (!r.ok) return p;
  if (!p.sms) {
    p.text = r.text;
    return p;
  }
  const SegmentedText sms(r.text, firm.sms_encoding == SmsEncodingPolicy::kUcs2
                                      ? SmsPolicy::kAllowUcs2
                                      : SmsPolicy::kGsm7Only);
  p.text = sms.text();
  p.encoding = std::string(SmsEncodingName(sms.encoding()));
  p.characters = CodePoints(sms.text());
  p.units = sms.units();
  p.segments = sms.segment_count();
  p.price = static_cast<double>(p.segments) * price.per_segment;
  p.changes = sms.changes();
  AddChangeWarnings(p);
  return p;
}

}  // namespace

std::vector<TemplatePreview> PreviewTemplates(const FirmPolicy& firm,
                                              const Appointment& appointment,
                                              const SmsPrice& price) {
  const TemplateValues values = AppointmentValues(firm, appointment);
  std::vector<TemplatePreview> out;
  for (const std::string& name : TemplateNames())
    out.push_back(Preview(firm, name, TemplateText(firm, name), name.rfind("sms_", 0) == 0, values,
                          price));
  return out;
}

TemplatePreview PreviewSmsText(const FirmPolicy& firm, std::string_view name, std::string_view text,
                               const TemplateValues& values, const SmsPrice& price) {
  return Preview(firm, name, text, /*sms=*/true, values, price);
}

Appointment SampleAppointment(LocalTime day) {
  Appointment a;
  a.id = "Beispiel";
  a.kind = AppointmentKind::kMainSweep;
  a.start.date = day;
  a.start.time = std::chrono::hours{9};  // an exact time: <<Uhrzeit>> and <<Zeitfenster>> have values
  a.object = {"Beispiel", "Hauptstraße 1", "4400", "Steyr"};
  a.customer = {"Frau", "", "Maria", "Muster", ""};
  a.contacts = {{ContactChannel::kSms, "0664 1234567", true, false}};
  return a;
}

std::string FormatPrice(double amount, const std::string& currency) {
  const long long cents = std::llround(amount * 100);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld,%02lld", cents / 100, std::llabs(cents % 100));
  return std::string(buf) + " " + (currency == "EUR" ? "\u20AC" : currency);
}

nlohmann::json ToJson(const TemplatePreview& p, const SmsPrice& price) {
  nlohmann::json changes = nlohmann::json::array();
  for (const TextChange& c : p.changes)
    changes.push_back({{"from", c.original},
                       {"to", c.replacement},
                       {"dropped", c.kind == TextChange::Kind::kDropped}});
  nlohmann::json j = {{"name", p.name},          {"channel", p.sms ? "sms" : "email"},
                      {"sendable", p.sendable},  {"text", p.text},
                      {"missing", p.missing},    {"warnings", p.warnings},
                      {"changes", changes}};
  if (p.sms) {
    j["encoding"] = p.encoding;
    j["characters"] = p.characters;
    j["units"] = p.units;
    j["segments"] = p.segments;
    j["price"] = p.price;
    j["price_text"] = FormatPrice(p.price, price.currency);
  }
  return j;
}

}  // namespace kehrbote
