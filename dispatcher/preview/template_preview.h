// Template preview: every message template of a firm rendered for one
// appointment, with what an SMS costs and what the reader will not see as
// written. The portal's Settings page shows it live while the firm edits.
//
// Per template (sms_reminder, sms_change, ..., email_body; firm_policy.h):
//   text        as it is sent: for SMS after the firm's encoding policy
//               (transliterated for gsm7), for e-mail as rendered
//   SMS only:   encoding gsm7|ucs2, characters, units (septets / UTF-16 units),
//               segments, price (segments x price per segment)
//   warnings    German, one per placeholder without a value (with the fallback
//               used, or that the message would not be sent) and one per
//               character transliterated or dropped
// Rendering and counting are those of planning and `sms-info`:
// RenderAppointmentMessage's templates and fallbacks, shared/sms SegmentedText.
//
// Pure: a function of the policy, the appointment and the price. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dispatcher/planning/firm_policy.h"
#include "shared/export/export_model.h"
#include "shared/sms/segmented_text.h"
#include "shared/template/message_template.h"

namespace kehrbote {

struct SmsPrice {
  double per_segment = 0.09;   // delivery.price_per_segment
  std::string currency = "EUR";
};

struct TemplatePreview {
  std::string name;                   // "sms_reminder"
  bool sms = false;
  bool sendable = true;               // false: a placeholder without value or fallback
  std::string text;
  std::vector<std::string> missing;   // placeholders without a value (canonical names)
  std::vector<TextChange> changes;    // SMS: transliterated or dropped characters
  std::vector<std::string> warnings;  // German, for the page
  // SMS only:
  std::string encoding;               // gsm7 | ucs2
  size_t characters = 0, units = 0, segments = 0;
  double price = 0;
};

std::vector<TemplatePreview> PreviewTemplates(const FirmPolicy& firm,
                                              const Appointment& appointment,
                                              const SmsPrice& price);

// One SMS text (not one of the firm's templates), e.g. a manual send's.
// `text` must be a valid template (ValidateTemplateText): throws TemplateError.
TemplatePreview PreviewSmsText(const FirmPolicy& firm, std::string_view name, std::string_view text,
                               const TemplateValues& values, const SmsPrice& price);

// An appointment with every field set, for a firm that has none coming up:
// a main sweep at 09:00 on `day` for "Frau Maria Muster", Hauptstraße 1, 4400 Steyr.
Appointment SampleAppointment(LocalTime day);

// 1.35 -> "1,35 €" (EUR), else "1,35 CHF".
std::string FormatPrice(double amount, const std::string& currency);

// {"name", "channel": "sms"|"email", "sendable", "text", "missing": [...],
//  "warnings": [...], "changes": [{"from", "to", "dropped"}], and for SMS
//  "encoding", "characters", "units", "segments", "price", "price_text"}.
nlohmann::json ToJson(const TemplatePreview& preview, const SmsPrice& price);

}  // namespace kehrbote
