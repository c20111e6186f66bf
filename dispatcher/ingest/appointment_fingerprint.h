// AppointmentFingerprint: what ingest compares and stores of one appointment of
// an export, computed once per appointment (its JSON is encoded once):
//   content_hash  what a reminder depends on (kind, start, status, contacts);
//                 a difference from the store makes a new version;
//   data_json     the stored form (appointment_versions.data);
//   data_hash     the digest of data_json; a difference only here (names,
//                 address) updates the current version's data in place;
//   raw_digest    the digest of the export bytes it was decoded from
//                 (raw_appointment_digest.h), stored with the version so that
//                 the same bytes next time are stepped over; '' when not read
//                 from a file (Fingerprint() leaves it so; the caller sets it).
// The hashes are appointment_json.h's ContentHash and DataHash. Pure; any thread.
#pragma once

#include <string>

#include "shared/export/export_model.h"

namespace kehrbote {

struct AppointmentFingerprint {
  std::string content_hash;
  std::string data_json;
  std::string data_hash;
  std::string raw_digest;
};

AppointmentFingerprint Fingerprint(const Appointment& a);

}  // namespace kehrbote
