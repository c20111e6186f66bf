#include "dispatcher/planning/contact_selection.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "shared/phone/phone_number.h"

namespace kehrbote {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool PlausibleEmail(const std::string& a) {
  const size_t at = a.find('@');
  if (at == std::string::npos || at == 0 || a.find('@', at + 1) != std::string::npos) return false;
  const size_t dot = a.find('.', at);
  if (dot == std::string::npos || dot == at + 1 || dot + 1 >= a.size() || a.back() == '.')
    return false;
  return std::none_of(a.begin(), a.end(), [](unsigned char c) { return std::isspace(c) || c < 32; });
}

}  // namespace

std::string_view ToString(SkipKind k) {
  switch (k) {
    case SkipKind::kNoConsent: return "no_consent";
    case SkipKind::kMainSweepOnly: return "main_sweep_only";
    case SkipKind::kLandline: return "landline";
    case SkipKind::kInvalidNumber: return "invalid_number";
    case SkipKind::kInvalidEmail: return "invalid_email";
    case SkipKind::kDuplicate: return "duplicate";
    case SkipKind::kTooManyNumbers: return "too_many_numbers";
    case SkipKind::kChannelPolicy: return "channel_policy";
    case SkipKind::kNoRule: return "no_rule";
    case SkipKind::kTiming: return "timing";
    case SkipKind::kCancelled: return "cancelled";
    case SkipKind::kMissingValue: return "missing_value";
  }
  return "unknown";
}

std::string MaskContact(ContactChannel channel, std::string_view key) {
  return channel == ContactChannel::kEmail ? MaskEmail(key) : MaskPhoneNumber(key);
}

ContactSelection SelectContacts(const Appointment& appointment, const FirmPolicy& firm) {
  ContactSelection out;
  std::set<std::string> seen;
  int numbers = 0;
  auto skip = [&](ContactChannel ch, std::string key, SkipKind kind, std::string reason) {
    ContactSkip s;
    s.channel = ch;
    s.masked = MaskContact(ch, key);
    s.key = std::move(key);
    s.kind = kind;
    s.reason = std::move(reason);
    out.skips.push_back(std::move(s));
  };
  // The office finds a number by what it typed ("12345"), not by its E.164 form.
  auto typed_note = [](std::string_view typed) {
    return " (typed '" + MaskTypedNumber(typed) + "')";
  };

  for (const Contact& c : appointment.contacts) {
    const std::string typed = Trim(c.address);
    std::string key = c.channel == ContactChannel::kEmail ? Lower(typed) : typed;
    PhoneNumber phone;
    if (c.channel == ContactChannel::kSms) {
      phone = ParsePhoneNumber(typed, firm.country);
      if (phone.valid()) key = phone.e164;
    }
    if (!c.consent) {
      skip(c.channel, key, SkipKind::kNoConsent, "no consent (Einverständnis) for this contact");
      continue;
    }
    if (c.main_sweep_only && appointment.kind != AppointmentKind::kMainSweep) {
      skip(c.channel, key, SkipKind::kMainSweepOnly,
           "\"Nur HK\": contact only for main sweeps, appointment is " +
               std::string(ToString(appointment.kind)));
      continue;
    }
    if (c.channel == ContactChannel::kSms) {
      if (!phone.valid()) {
        skip(c.channel, key, SkipKind::kInvalidNumber,
             "invalid phone number (" + std::string(ToString(phone.problem)) + ": " +
                 phone.reason + ")" + typed_note(typed));
        continue;
      }
      if (!phone.sms_capable()) {
        skip(c.channel, key, SkipKind::kLandline,
             "not a mobile number (" + std::string(ToString(phone.type)) + ": " + phone.reason +
                 "), no SMS" + typed_note(typed));
        continue;
      }
    } else if (!PlausibleEmail(key)) {
      skip(c.channel, key, SkipKind::kInvalidEmail, "invalid e-mail address");
      continue;
    }
    if (!seen.insert(key).second) {
      skip(c.channel, key, SkipKind::kDuplicate, "same contact listed twice for this appointment");
      continue;
    }
    if (c.channel == ContactChannel::kSms && ++numbers > firm.max_sms_numbers) {
      skip(c.channel, key, SkipKind::kTooManyNumbers,
           "more than " + std::to_string(firm.max_sms_numbers) +
               " mobile numbers for one appointment");
      continue;
    }
    out.contacts.push_back(SelectedContact{c.channel, key, key});
  }

  // Channel policy.
  if (firm.channel_policy != ChannelPolicy::kBoth) {
    const ContactChannel preferred = firm.channel_policy == ChannelPolicy::kSmsFirst
                                         ? ContactChannel::kSms
                                         : ContactChannel::kEmail;
    const bool has_preferred =
        std::any_of(out.contacts.begin(), out.contacts.end(),
                    [&](const SelectedContact& s) { return s.channel == preferred; });
    if (has_preferred) {
      std::vector<SelectedContact> kept;
      for (SelectedContact& s : out.contacts) {
        if (s.channel == preferred) {
          kept.push_back(std::move(s));
        } else {
          skip(s.channel, s.key, SkipKind::kChannelPolicy,
               "channel policy " + std::string(ToString(firm.channel_policy)) + ": " +
                   (preferred == ContactChannel::kSms ? "a mobile number" : "an e-mail address") +
                   " is used instead");
        }
      }
      out.contacts = std::move(kept);
    }
  }
  return out;
}

}  // namespace kehrbote
