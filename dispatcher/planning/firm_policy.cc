#include "dispatcher/planning/firm_policy.h"

#include <cstdint>
#include <cstdio>

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

std::string PolicyFingerprint(const FirmPolicy& p) {
  std::string c;
  auto add = [&c](std::string_view v) {
    c += v;
    c += '\x1f';
  };
  // The texts' revision: a release with new default texts or placeholder values
  // re-renders pending messages (planner: replan).
  add("texts:shared-template-1");
  add(p.firm_id);
  add(p.firm_name);
  add(p.firm_phone);
  add(p.timezone);
  add(p.country);
  add(p.sender_name);
  for (const ReminderRule& r : p.rules) {
    add(r.name);
    add(r.channel == ContactChannel::kSms ? "sms" : "email");
    add(std::to_string(r.lead.count()));
    // Days written as hours ("24h") time differently from "1d"; other rules keep
    // their fingerprint.
    if (r.lead - r.lead_days >= std::chrono::days{1})
      add("elapsed:" + std::to_string(r.lead_days.count()));
    add(r.at ? std::to_string(r.at->count()) : "-");
    add(r.weekday ? std::to_string(r.weekday->c_encoding()) : "-");
    add(r.round_to_quarter_hour ? "15" : "0");
  }
  add(std::to_string(p.quiet_hours.from.count()) + "-" + std::to_string(p.quiet_hours.to.count()));
  add(std::to_string(p.date_only_time.count()));
  add(p.late_policy.Describe());
  add("replaces_within:" + std::to_string(p.late_policy.replaces_within.count()));
  add(ToString(p.channel_policy));
  add(ToString(p.sms_encoding));
  add(std::to_string(p.max_sms_numbers));
  for (const auto& [name, text] : p.templates) {
    add(name);
    add(text);
  }
  // FNV-1a, 64 bit: stable across builds and platforms (std::hash is not).
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : c) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
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
