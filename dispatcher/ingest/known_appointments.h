// KnownAppointments: the compact picture of one firm's appointments in the
// store that an export is diffed against (SnapshotDiff): per appointment id its
// current version, status, start, the two fingerprints of its current data
// (appointment_fingerprint.h) and the digest of the export bytes it was read
// from: a few hundred bytes an appointment, never its stored data.
//
// Loaded once per export, inside the export's transaction, row by row from the
// appointments table (no intermediate column vectors). Throws DatabaseError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dispatcher/store/sql_connection.h"
#include "shared/export/export_reader.h"

namespace kehrbote {

struct KnownAppointment {
  int64_t version = 0;       // current version
  int64_t start_at = 0;      // UTC unix seconds
  bool scheduled = true;     // status of the current version
  bool seen = false;         // met in the export being diffed (SnapshotDiff's)
  std::string content_hash;  // AppointmentFingerprint::content_hash
  std::string data_hash;     // AppointmentFingerprint::data_hash
  std::string raw_digest;    // AppointmentFingerprint::raw_digest; '' if none
};

// By appointment id.
using KnownAppointments = std::unordered_map<std::string, KnownAppointment>;

// The appointments of `firm_id` as the store has them now.
KnownAppointments LoadKnownAppointments(SqlConnection& c, std::string_view firm_id);

// Digest -> id of those that have a raw digest: what ExportReader may step over.
KnownRawDigests RawDigestsOf(const KnownAppointments& known);

// The same read straight from the store: RawDigestsOf(LoadKnownAppointments(c,
// firm_id)) without the rest of the picture (for reading an export ahead of its
// transaction, SnapshotIngest::KnownDigests).
KnownRawDigests LoadKnownRawDigests(SqlConnection& c, std::string_view firm_id);

}  // namespace kehrbote
