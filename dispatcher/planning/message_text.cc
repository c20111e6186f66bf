#include "dispatcher/planning/message_text.h"

#include <map>

#include "shared/sms/segmented_text.h"
#include "shared/template/default_templates.h"
#include "shared/template/template_values.h"

namespace kehrbote {
namespace {

// The default texts name the firm's phone; without one, the variants that
// do not (a skipped reminder would help nobody).
std::string_view DefaultText(std::string_view name, bool phone) {
  if (name == kTemplateSmsReminder) return phone ? kDefaultSmsReminder : kDefaultSmsReminderNoPhone;
  if (name == kTemplateSmsChange) return phone ? kDefaultSmsChange : kDefaultSmsChangeNoPhone;
  if (name == kTemplateSmsCancellation)
    return phone ? kDefaultSmsCancellation : kDefaultSmsCancellationNoPhone;
  if (name == kTemplateEmailSubject) return kDefaultEmailReminderSubject;
  if (name == kTemplateEmailBody)
    return phone ? kDefaultEmailReminderBody : kDefaultEmailReminderBodyNoPhone;
  if (name == kTemplateEmailChangeSubject) return kDefaultEmailChangeSubject;
  if (name == kTemplateEmailChangeBody)
    return phone ? kDefaultEmailChangeBody : kDefaultEmailChangeBodyNoPhone;
  if (name == kTemplateEmailCancellationSubject) return kDefaultEmailCancellationSubject;
  if (name == kTemplateEmailCancellationBody)
    return phone ? kDefaultEmailCancellationBody : kDefaultEmailCancellationBodyNoPhone;
  return "";
}

// Parsed templates by name and text: a pass renders the same few templates for
// thousands of appointments. Per thread, bounded.
const MessageTemplate& ParsedTemplate(std::string_view name, std::string_view text) {
  thread_local std::map<std::string, MessageTemplate, std::less<>> cache;
  std::string key;
  key.reserve(name.size() + 1 + text.size());
  key.append(name).append(1, '\x1f').append(text);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 512) cache.clear();
  return cache.emplace(std::move(key), MessageTemplate::Parse(text, name)).first->second;
}

const MissingValuePolicy& Fallbacks() {
  static const MissingValuePolicy policy = MissingValuePolicy::UseFallback(DefaultFallbacks());
  return policy;
}

// Renders template `name`; on a missing value sets out.ok/out.error.
std::string Render(const FirmPolicy& firm, std::string_view name, const TemplateValues& values,
                   RenderedText& out) {
  RenderResult r = ParsedTemplate(name, TemplateText(firm, name)).Render(values, Fallbacks());
  if (!r.ok && out.ok) {
    out.ok = false;
    out.error = std::string(name) + ": " + r.error;
  }
  return std::move(r.text);
}

}  // namespace

std::string_view TemplateText(const FirmPolicy& firm, std::string_view name) {
  auto it = firm.templates.find(name);
  return it != firm.templates.end() ? std::string_view(it->second)
                                    : DefaultText(name, !firm.firm_phone.empty());
}

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

TemplateValues AppointmentValues(const FirmPolicy& firm, const Appointment& appointment) {
  Firm f;
  f.id = firm.firm_id;
  f.name = firm.firm_name.empty() ? firm.sender_name : firm.firm_name;
  f.timezone = firm.timezone;
  f.country = firm.country;
  f.phone = firm.firm_phone;
  return BuildTemplateValues(appointment, f);
}

RenderedText RenderAppointmentMessage(const FirmPolicy& firm, MessagePurpose purpose,
                                      ContactChannel channel, const TemplateValues& values) {
  const bool change = purpose == MessagePurpose::kChange;
  const bool cancellation = purpose == MessagePurpose::kCancellation;
  RenderedText out;
  if (channel == ContactChannel::kSms) {
    const std::string_view name = change         ? kTemplateSmsChange
                                  : cancellation ? kTemplateSmsCancellation
                                                 : kTemplateSmsReminder;
    std::string text = Render(firm, name, values, out);
    if (!out.ok) return out;
    RenderedText sms = EncodeSms(firm, text);
    out.body = std::move(sms.body);
    out.segments = sms.segments;
    return out;
  }
  out.subject = Render(firm,
                       change         ? kTemplateEmailChangeSubject
                       : cancellation ? kTemplateEmailCancellationSubject
                                      : kTemplateEmailSubject,
                       values, out);
  out.body = Render(firm,
                    change         ? kTemplateEmailChangeBody
                    : cancellation ? kTemplateEmailCancellationBody
                                   : kTemplateEmailBody,
                    values, out);
  if (!out.ok) {
    out.subject.clear();
    out.body.clear();
  }
  return out;
}

RenderedText RenderAppointmentMessage(const FirmPolicy& firm, MessagePurpose purpose,
                                      ContactChannel channel, const Appointment& appointment) {
  return RenderAppointmentMessage(firm, purpose, channel, AppointmentValues(firm, appointment));
}

}  // namespace kehrbote
