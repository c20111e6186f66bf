// Message texts of reminders and notices, rendered from the firm's templates
// (or the German defaults) with shared/template, and for SMS encoded by the
// firm's policy with shared/sms (the stored body is what the gateway gets).
#pragma once

#include <string>
#include <string_view>

#include "dispatcher/planning/firm_policy.h"
#include "shared/export/export_model.h"

namespace kehrbote {

// Empty if `text` is a valid template for template `name` (known placeholders
// only), else the error (with the offending placeholder and its position).
std::string ValidateTemplateText(std::string_view name, std::string_view text);

struct RenderedText {
  std::string subject;  // e-mail only
  std::string body;
  int segments = 0;     // SMS only
};

// purpose: "reminder" | "change" | "cancellation".
RenderedText RenderAppointmentMessage(const FirmPolicy& firm, std::string_view purpose,
                                      ContactChannel channel, const Appointment& appointment);

// Encodes an SMS body by the firm's policy: returns the body as it is sent and
// its number of parts.
RenderedText EncodeSms(const FirmPolicy& firm, std::string_view text);
RenderedText EncodeSms(SmsEncodingPolicy policy, std::string_view text);

}  // namespace kehrbote
