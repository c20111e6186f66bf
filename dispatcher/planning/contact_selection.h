// Contact selection: who of an appointment's contacts may get a message.
//
// In order, per contact:
//   1. consent (the tick beside the number / address) is required;
//   2. "Nur HK" (main_sweep_only) contacts only for main_sweep appointments;
//   3. SMS: the number is parsed with the firm's country (shared/phone); only
//      numbers libphonenumber classifies as mobile are used; landlines, other
//      types and invalid numbers are skipped with the reason and counted;
//      e-mail: a plausible address, compared case-insensitively;
//   4. the same number or address only once per appointment;
//   5. at most FirmPolicy::max_sms_numbers (3) mobile numbers per appointment.
// Then the firm's channel policy: both | sms-first (e-mail only without a usable
// mobile) | email-first (SMS only without a usable e-mail address).
// Every contact that is not selected gets a skip with its reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/planning/firm_policy.h"
#include "shared/export/export_model.h"
#include "shared/log/personal_data.h"

namespace kehrbote {

// Why a contact or message was not used; stored as text (skips.kind).
enum class SkipKind {
  kNoConsent,
  kMainSweepOnly,
  kLandline,       // a valid fixed-line (or other non-mobile) number
  kInvalidNumber,  // not a usable phone number
  kInvalidEmail,
  kDuplicate,
  kTooManyNumbers,
  kChannelPolicy,
  kNoRule,         // the firm has no rule for this contact's channel
  kTiming,         // late, or the send time is not before the appointment
  kCancelled,      // the appointment was cancelled before anything was sent
  kMissingValue,   // the text needs a value the appointment or firm lacks (<<Strasse>>)
};
std::string_view ToString(SkipKind k);  // "no_consent", "landline", ...

struct SelectedContact {
  ContactChannel channel = ContactChannel::kSms;
  std::string key;        // E.164 number or lower-case e-mail address
  std::string recipient;  // what the channel sends to (same as key)
};

struct ContactSkip {
  ContactChannel channel = ContactChannel::kSms;
  std::string key;     // E.164 / lower-case address if known, else the typed text
  std::string masked;  // for the skips table and logs
  SkipKind kind = SkipKind::kNoConsent;
  std::string reason;  // English, with the detail (e.g. the phone library's reason)
};

struct ContactSelection {
  std::vector<SelectedContact> contacts;
  std::vector<ContactSkip> skips;
};

ContactSelection SelectContacts(const Appointment& appointment, const FirmPolicy& firm);

// Masks a phone number or an e-mail address (by the channel).
std::string MaskContact(ContactChannel channel, std::string_view key);
// MaskEmail and MaskTypedNumber: shared/log/personal_data.h.

}  // namespace kehrbote
