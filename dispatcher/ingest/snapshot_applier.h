// SnapshotApplier: one export diffed into the store, inside the caller's
// transaction on `c` (SnapshotIngest's, under the firm's lock):
//   LoadKnown()    optional, before Begin: loads the store's picture of the
//                  inbox's firm now and returns the digests of its appointments'
//                  bytes, for a reader that steps over known appointments
//                  (ExportReader::ReadItems); the map lives as long as the applier;
//   Begin(header)  refuses an export of another firm or an unknown time zone
//                  (RefusedExport), ignores one generated before the export
//                  already applied (IgnoredExport); loads the store's picture of
//                  the firm (KnownAppointments) unless LoadKnown() did;
//   Add(item)...   each appointment in file order: SnapshotDiff classifies it,
//                  SnapshotWriter writes the version or refresh it needs (with
//                  the digest of its bytes); a known item (not decoded) is
//                  unchanged and counted in `skipped` too;
//                  RefusedExport for an id seen twice or a start that does not
//                  exist in the firm's zone;
//   Finish()       marks what the export lacks inside its window as gone,
//                  records the firm row and the processed file, waits for the
//                  writes; the result in `work` is then complete (outcome
//                  applied, changed and refreshed ids sorted).
// After a refusal the caller calls Discard() before undoing the writes: it
// waits for the queued writes so that a store failure among them surfaces as
// such (DatabaseError), not as the refusal.
//
// One thread. Throws DatabaseError when the store fails, AppointmentJsonError
// when a stored version cannot be read back.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "dispatcher/ingest/snapshot_diff.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/ingest/snapshot_writer.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/time/clock.h"

namespace kehrbote {

class SnapshotApplier {
 public:
  // `work` names the inbox's firm and the file; it receives the counts and ids.
  SnapshotApplier(SqlConnection& c, IngestResult& work, const ExportFileInfo& file, Instant now)
      : c_(c), work_(work), file_(file), now_(now) {}

  const KnownRawDigests& LoadKnown();
  void Begin(const ExportHeader& header);
  void Add(const ExportItem& item);
  void Add(const Appointment& a);  // not read from a file: no digest
  void Finish();
  void Discard();

 private:
  // UTC unix seconds of `a`'s start in the firm's zone; RefusedExport if it
  // has none.
  int64_t StartSeconds(const Appointment& a);
  void AddDecoded(const Appointment& a, const AppointmentFingerprint& f);
  void MarkGone();

  SqlConnection& c_;
  IngestResult& work_;
  const ExportFileInfo& file_;
  const Instant now_;
  ExportHeader header_;
  std::optional<KnownAppointments> preloaded_;  // LoadKnown's, until Begin
  KnownRawDigests raw_digests_;                 // LoadKnown's
  std::optional<SnapshotDiff> diff_;
  std::optional<SnapshotWriter> writer_;
  // Appointments share few distinct start times (days x slots), and a zone
  // lookup per appointment is measurable at 100,000 of them: memoized.
  std::unordered_map<int64_t, int64_t> start_seconds_;
};

}  // namespace kehrbote
