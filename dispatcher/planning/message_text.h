// Message texts of reminders and notices: the firm's templates (or the shared
// German defaults, shared/template/default_templates.h) filled with the shared
// placeholder values (shared/template/template_values.h: "Dienstag",
// "24. November 2026", "Jänner" for Austrian firms, the object's address...),
// and for SMS encoded by the firm's policy with shared/sms (the stored body is
// what the gateway gets).
//
// Missing values follow shared/template's MissingValuePolicy::UseFallback with
// DefaultFallbacks(): <<Zeitfenster>> without a time reads "im Laufe des Tages";
// any other placeholder without a value (no street, no firm phone, <<Uhrzeit>>
// of an appointment with a time window...) fails the message: RenderedText::ok
// is false and `error` names the placeholders, so the planner records a skip
// instead of sending a text with a gap.
#pragma once

#include <string>
#include <string_view>

#include "dispatcher/message/message_purpose.h"
#include "dispatcher/planning/firm_policy.h"
#include "shared/export/export_model.h"
#include "shared/template/message_template.h"

namespace kehrbote {

// Empty if `text` is a valid template for template `name` (known placeholders
// only), else the error (with the offending placeholder and its position).
std::string ValidateTemplateText(std::string_view name, std::string_view text);

// The text a firm's template `name` has: its own, else the German default.
std::string_view TemplateText(const FirmPolicy& firm, std::string_view name);

struct RenderedText {
  bool ok = true;       // false: a placeholder had no value (see `error`)
  std::string error;    // "sms_reminder: no value and no fallback text for <<Strasse>>"
  std::string subject;  // e-mail only
  std::string body;
  int segments = 0;     // SMS only
};

// The placeholder values of `appointment` for `firm` (shared BuildTemplateValues
// with the firm's name, phone and country; the SMS sender name stands in for
// <<Kehrbetrieb>> when the firm has no name).
TemplateValues AppointmentValues(const FirmPolicy& firm, const Appointment& appointment);

// purpose: reminder, change or cancellation (any other renders as a reminder).
RenderedText RenderAppointmentMessage(const FirmPolicy& firm, MessagePurpose purpose,
                                      ContactChannel channel, const TemplateValues& values);
RenderedText RenderAppointmentMessage(const FirmPolicy& firm, MessagePurpose purpose,
                                      ContactChannel channel, const Appointment& appointment);

// Encodes an SMS body by the firm's policy: returns the body as it is sent and
// its number of parts.
RenderedText EncodeSms(const FirmPolicy& firm, std::string_view text);
RenderedText EncodeSms(SmsEncodingPolicy policy, std::string_view text);

}  // namespace kehrbote
