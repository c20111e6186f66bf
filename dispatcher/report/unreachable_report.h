// Unreachable customers: the appointments of a firm that get no reminder, each
// with the reason, so the office can fix its data.
//
// An appointment (current version, scheduled, in the last export's window) is
// listed when no reminder or change notice of it is planned or sent (every
// message of it is 'cancelled', or there is none) and either
//   started               it had started when this version arrived (never planned), or
//   no_contact            it was planned, but the export names no phone number or
//                         e-mail address for it,
//   all_contacts_skipped  it was planned and every contact was skipped (no
//                         consent, landline, invalid number, ...),
//   no_reminder           it was planned, a contact was usable, but no rule gave a
//                         reminder (too late, no rule for the channel, text lacks a value).
// Versions not planned yet (the next pass plans them) are not listed. `detail`
// names each skipped contact masked as in the logs, a number as it was typed
// ("***45" for "12345"), with the kind and reason of its skip.
//
// The customer is masked: salutation and title as they are, every word of the
// names and the company as its first letter and '*'s ("Frau M**** M*****").
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct UnreachableAppointment {
  std::string appointment_id;
  int64_t version = 0;
  Instant start{};
  Instant received{};    // when this version arrived
  std::string object;    // object id and address: "O-7, Hauptstraße 1, 4400 Steyr"
  std::string customer;  // masked
  std::string reason;    // started | no_contact | all_contacts_skipped | no_reminder
  std::string detail;    // what exactly, for the office
};

// The firm's appointments from the first day of its last export's window (in
// `zone`) on: what the office exports now. Without an export: all.
std::vector<UnreachableAppointment> QueryUnreachable(Database& db, const std::string& firm_id,
                                                     const std::string& zone);

// format: table | csv | json
void WriteUnreachable(const std::vector<UnreachableAppointment>& rows, const std::string& format,
                      const std::string& zone, std::ostream& out);

// Names are masked with MaskName (shared/log/personal_data.h).

}  // namespace kehrbote
