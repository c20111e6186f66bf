#include "dispatcher/planning/firm_policy.h"

namespace kehrbote {

std::string_view ToString(ChannelPolicy p) {
  switch (p) {
    case ChannelPolicy::kBoth: return "both";
    case ChannelPolicy::kSmsFirst: return "sms-first";
    case ChannelPolicy::kEmailFirst: return "email-first";
  }
  return "both";
}

std::string_view ToString(SmsEncodingPolicy p) {
  return p == SmsEncodingPolicy::kUcs2 ? "ucs2" : "gsm7";
}

const std::vector<std::string>& TemplateNames() {
  static const std::vector<std::string> names = {
      std::string(kTemplateSmsReminder),          std::string(kTemplateSmsChange),
      std::string(kTemplateSmsCancellation),      std::string(kTemplateEmailSubject),
      std::string(kTemplateEmailBody),            std::string(kTemplateEmailChangeSubject),
      std::string(kTemplateEmailChangeBody),      std::string(kTemplateEmailCancellationSubject),
      std::string(kTemplateEmailCancellationBody)};
  return names;
}

}  // namespace kehrbote
