// SnapshotDiff: one export (a full snapshot of a firm's window) against the
// store's current versions of that firm (KnownAppointments), appointment by
// appointment in file order. No SQL, no I/O; one thread.
//
// Classify() says what one appointment of the export is to the store:
//   kNew        unknown id                                    -> version 1
//   kCancelled  cancelled in the export, scheduled in the store -> next version
//   kRestored   scheduled in the export, cancelled (or gone) in the store
//                                                             -> next version
//   kChanged    otherwise a different content_hash (kind, start, contacts,
//               consent)                                      -> next version
//   kRefreshed  same content_hash, other data_hash (names, address)
//                                                             -> current version's
//                                                                data in place
//   kUnchanged  same content and data                         -> nothing
// ClassifyKnown() takes an appointment the reader stepped over because its bytes
// are those its current version was read from (ExportItem::known): kUnchanged.
// After the last appointment, Gone() lists what the export lacks although the
// store has it scheduled with a start inside the export's window: each gets a
// next version, cancelled ("gone"). Appointments outside the window are left alone.
// An id that appears twice refuses the export (RefusedExport naming the file
// and the position).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/ingest/appointment_fingerprint.h"
#include "dispatcher/ingest/known_appointments.h"
#include "shared/export/export_model.h"

namespace kehrbote {

enum class AppointmentChange {
  kNew,
  kChanged,
  kCancelled,
  kRestored,
  kGone,
  kRefreshed,
  kUnchanged
};
// The `change` of the version it makes: "new", "changed", "cancelled", "restored",
// "gone"; "refreshed" and "unchanged" make none.
std::string_view ToString(AppointmentChange c);

struct DiffStep {
  AppointmentChange change = AppointmentChange::kUnchanged;
  // The version to write (kNew: 1; kChanged, kCancelled, kRestored: current + 1),
  // or the current one (kRefreshed, kUnchanged).
  int64_t version = 0;
  // kUnchanged: the store's raw digest is not the one the export's bytes have
  // (written before digests, or the bytes differ but not what they say).
  bool digest_stale = false;
};

struct GoneAppointment {
  std::string id;
  int64_t current_version = 0;
  int64_t start_at = 0;  // UTC unix seconds
};

class SnapshotDiff {
 public:
  SnapshotDiff(KnownAppointments known, std::string file_name)
      : known_(std::move(known)), file_name_(std::move(file_name)) {}

  // The next appointment of the export. Throws RefusedExport if its id came before.
  DiffStep Classify(const Appointment& a, const AppointmentFingerprint& f);
  // The next appointment, known by the digest of its bytes. Throws RefusedExport
  // if its id came before.
  DiffStep ClassifyKnown(const std::string& id);

  // Appointments classified so far (the position of the last one, from 1).
  int position() const { return position_; }

  // Scheduled in the store, start in [window_start, window_end) (UTC unix
  // seconds), not met in the export. In no particular order.
  std::vector<GoneAppointment> Gone(int64_t window_start, int64_t window_end) const;

 private:
  // Marks `k` (of `id`) seen; RefusedExport if it was seen before.
  void MarkSeen(const std::string& id, KnownAppointment& k) const;

  KnownAppointments known_;
  std::string file_name_;
  int position_ = 0;
};

}  // namespace kehrbote
