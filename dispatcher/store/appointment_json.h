// The stored form of one appointment (appointment_versions.data): compact JSON
// with the same field names as export format v1, so a version row can be read
// without the export it came from.
//
// Also the two fingerprints ingest compares a snapshot with:
//   ContentHash: what makes a new version, i.e. what a reminder depends on: kind,
//     start (date, time, time window), status and the contacts (channel, address,
//     consent, main_sweep_only), in order.
//   DataHash: everything (address, customer names too). A change only here updates
//     the current version's data in place; no new version, nothing re-planned.
// Both are hex SHA-1 digests of a canonical encoding (not security relevant).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "shared/export/export_model.h"

namespace kehrbote {

class AppointmentJsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string AppointmentToJson(const Appointment& a);
// Throws AppointmentJsonError on malformed input.
Appointment AppointmentFromJson(std::string_view json);

std::string ContentHash(const Appointment& a);
std::string DataHash(const Appointment& a);
// DataHash(a) == DataHashOfJson(AppointmentToJson(a)), without encoding twice.
std::string DataHashOfJson(std::string_view json);

// JSON string literal (with quotes) for `s`, escaping as RFC 8259 requires.
std::string JsonQuote(std::string_view s);

}  // namespace kehrbote
