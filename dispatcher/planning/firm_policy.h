// FirmPolicy: everything the planner needs to know about one firm.
//
// Filled from the firm's YAML (dispatcher/config/firm_config.h) and, for zone and
// country, from the export's firm header. Plain data; the planner is a function
// of a FirmPolicy, an appointment, what was already planned for it and "now".
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/planning/late_policy.h"
#include "dispatcher/planning/quiet_hours.h"
#include "dispatcher/planning/reminder_rule.h"

namespace kehrbote {

// Which channels a contact set gets when it has both mobile numbers and e-mail.
enum class ChannelPolicy {
  kBoth,        // every usable contact
  kSmsFirst,    // e-mail only when there is no usable mobile number
  kEmailFirst,  // SMS only when there is no usable e-mail address
};
std::string_view ToString(ChannelPolicy p);  // "both" | "sms-first" | "email-first"

// How SMS text is encoded: gsm7 transliterates to the GSM 7-bit alphabet (cheap,
// 160/153 characters per part); ucs2 keeps every character (70/67 per part).
enum class SmsEncodingPolicy { kGsm7, kUcs2 };
std::string_view ToString(SmsEncodingPolicy p);  // "gsm7" | "ucs2"

// Template names a firm may set (all optional; German defaults otherwise).
// <<Platzhalter>> as AkuWinOffice writes them; see DefaultTemplate().
inline constexpr std::string_view kTemplateSmsReminder = "sms_reminder";
inline constexpr std::string_view kTemplateSmsChange = "sms_change";
inline constexpr std::string_view kTemplateSmsCancellation = "sms_cancellation";
inline constexpr std::string_view kTemplateEmailSubject = "email_subject";
inline constexpr std::string_view kTemplateEmailBody = "email_body";
inline constexpr std::string_view kTemplateEmailChangeSubject = "email_change_subject";
inline constexpr std::string_view kTemplateEmailChangeBody = "email_change_body";
inline constexpr std::string_view kTemplateEmailCancellationSubject = "email_cancellation_subject";
inline constexpr std::string_view kTemplateEmailCancellationBody = "email_cancellation_body";
// All names above, for config validation.
const std::vector<std::string>& TemplateNames();

struct FirmPolicy {
  std::string firm_id;
  std::string firm_name;                 // for <<Kehrbetrieb>>
  std::string firm_phone;                // for <<KehrbetriebTelefon>>
  std::string timezone = "Europe/Vienna";
  std::string country = "AT";            // default region for phone numbers
  std::string sender_name;               // SMS sender (<= 11 chars) / e-mail From name
  std::vector<ReminderRule> rules;
  QuietHours quiet_hours;
  // Local send time of lead-only reminders for appointments with a date only
  // (no time, no window): lead 1d -> the day before at this time.
  std::chrono::minutes date_only_time{10 * 60};
  LatePolicy late_policy;
  ChannelPolicy channel_policy = ChannelPolicy::kBoth;
  SmsEncodingPolicy sms_encoding = SmsEncodingPolicy::kGsm7;
  int max_sms_numbers = 3;               // per appointment (AkuWinOffice: up to three)
  std::map<std::string, std::string, std::less<>> templates;  // name -> text; missing = default
};

// A stable hash (hex) of everything in `p` that decides what is planned (rules,
// quiet hours, late policy, channel policy, encoding, templates, sender, zone).
// Stored with each planned version: when the firm's YAML changes, a full pass
// plans its appointments again (rows already there are kept, new ones added).
std::string PolicyFingerprint(const FirmPolicy& p);

}  // namespace kehrbote
