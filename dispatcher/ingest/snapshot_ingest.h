// SnapshotIngest: applies one export (a full snapshot of a firm's window) to the
// store, as one transaction under the firm's lock (Database::WithFirmLock).
//
// Against the store's current versions each appointment of the export is:
//   new        unknown id                       -> version 1 ("new")
//   changed    kind, start (date, time, window), contacts or consent differ
//                                               -> next version ("changed")
//   cancelled  status "cancelled" where the store has it scheduled
//                                               -> next version ("cancelled")
//   restored   scheduled again after cancelled/gone -> next version ("restored")
//   unchanged  same content                     -> nothing (customer/address-only
//              edits update the current version's data in place, "refreshed")
// and every scheduled appointment of the store that the export lacks although its
// date lies inside the export's window is "gone": next version with status
// cancelled and reason "nicht mehr im Export". Appointments outside the window
// are left alone.
//
// The export is refused whole (nothing of it stays in the store) when reading it
// fails anywhere (the reader throws: schema error at the 500th appointment,
// truncated file, ...), when its firm id is not the inbox's firm, or when an
// appointment id appears twice. A refused file is recorded in processed_files
// ('rejected') and on the firm (last_rejected_*), for its next heartbeat.
// An export generated before the last applied one is ignored (recorded as
// 'ignored'); a file whose name or SHA-256 was processed before is a duplicate
// and changes nothing.
//
// Memory: appointments are streamed from the reader and compared with a compact
// map (id -> version, status, hashes, start; known_appointments.h) loaded from
// the store; writes go out row by row through cached prepared statements, inside
// one SqlBatch per export (PostgreSQL pipelines them). Nothing holds a large
// export: ApplyStream (and ApplyFile for a file over kReadAheadBytes) reads and
// validates in a second thread (reader_pipeline.h, bounded queue) while this one
// writes; ApplyFile reads a smaller file whole first.
//
// Unchanged appointments cost little: the reader steps over every appointment
// whose bytes have the digest its current version was read from
// (raw_appointment_digest.h): not decoded, not checked (it was valid when first
// read), counted unchanged and `skipped`. The rest of the file is read and
// checked in full, so a bad export is still refused whole. A streamed export is
// read with the digests loaded inside the transaction. A file read ahead
// (Prepare) is read with digests taken before, outside the firm's lock
// (KnownDigests); ApplyPrepared checks under the lock that every appointment
// stepped over is still its current version's bytes, and if one is not (the
// firm changed in between: another instance, an earlier file of the same pass)
// reads the file again in the transaction with the digests then. All paths
// store the digests.
//
// The parts: appointment_fingerprint.h (what is compared of an appointment),
// known_appointments.h (the store's side), snapshot_diff.h (the comparison),
// snapshot_writer.h (the SQL), snapshot_applier.h (one export through them),
// reader_pipeline.h (reading ahead of the writer).
#pragma once

#include <functional>
#include <istream>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/commit_group.h"
#include "dispatcher/store/database.h"
#include "shared/export/export_model.h"
#include "shared/export/export_reader.h"
#include "shared/time/clock.h"

namespace kehrbote {

enum class IngestOutcome {
  kApplied,    // diffed into the store
  kIgnored,    // older than an export already applied
  kDuplicate,  // name or content seen before; nothing done
  kRejected,   // refused whole; see reason
};
std::string_view ToString(IngestOutcome o);  // "applied", "ignored", "duplicate", "rejected"

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kRejected;
  std::string firm_id;    // the inbox's firm
  std::string file_name;
  std::string sha256;
  std::string reason;     // why ignored / duplicate / rejected (with file and position)
  std::optional<Instant> generated_at;
  int appointments = 0;   // read from the export
  int added = 0;
  int changed = 0;
  int cancelled = 0;      // status cancelled in the export (was scheduled)
  int gone = 0;           // missing from the export inside its window
  int restored = 0;
  int unchanged = 0;
  int refreshed = 0;      // unchanged for reminders, other data updated in place
  // Of `unchanged`: stepped over by the digest of their bytes, neither decoded nor
  // checked (their bytes are those their current version was read from).
  int skipped = 0;
  // Appointments whose current version changed (new, changed, cancelled, gone,
  // restored), sorted: exactly the ones planning must (re)plan.
  std::vector<std::string> changed_ids;
  // Appointments refreshed in place (same version; address, names, ... edited),
  // sorted: their pending texts must be written again.
  std::vector<std::string> refreshed_ids;
};

// The export file being applied.
struct ExportFileInfo {
  std::string name;    // file name in the inbox, "huber-2026-11-23T06-00-00-1.json"
  std::string sha256;  // lower-case hex of the whole file
};

// An export file read and validated ahead of its transaction (SnapshotIngest::
// Prepare): a file up to kReadAheadBytes whole, with what the reader got before
// a failure and the failure; a larger one is only named (read while applied).
// Appointments whose digest Prepare was given are only named (ExportItem::known).
struct PreparedExport {
  ExportFileInfo file;
  std::string local_path;
  bool unreadable = false;  // the downloaded copy cannot be opened
  bool streamed = false;    // larger than kReadAheadBytes
  std::optional<ExportHeader> header;
  std::vector<ExportItem> appointments;  // in file order
  std::exception_ptr error;  // the reader's, if it failed
};

// Yields the export's appointments one at a time: fills `out` and returns true,
// returns false at the end, throws on bad input.
using AppointmentSource = std::function<bool(Appointment& out)>;

class SnapshotApplier;

class SnapshotIngest {
 public:
  SnapshotIngest(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Reads the export file at `local_path` with ExportReader (schema-validated,
  // streaming) and applies it for the inbox of `inbox_firm_id`. Never throws for
  // bad files (they come back kRejected); throws DatabaseError if the store fails.
  IngestResult ApplyFile(std::string_view inbox_firm_id, const ExportFileInfo& file,
                         const std::string& local_path);
  // ApplyFile in two steps, so that a puller can read the next file while this
  // one is applied. Prepare touches no store and may run on any thread; a small
  // export (most firms: a few hundred appointments) is read and validated there,
  // and the store's one writer is then held only for the diff. With `known` (the
  // firm's KnownDigests, taken shortly before; may be null) the appointments with
  // those digests are stepped over. ApplyPrepared consumes `prepared`.
  static PreparedExport Prepare(const ExportFileInfo& file, const std::string& local_path,
                                const KnownRawDigests* known = nullptr);
  // With `group`, the export is applied inside the group's transaction (see
  // CommitGroup) and its outcome holds only once the group has committed.
  IngestResult ApplyPrepared(std::string_view inbox_firm_id, PreparedExport& prepared,
                             CommitGroup* group = nullptr);

  // The same, reading the export from `in`.
  IngestResult ApplyStream(std::string_view inbox_firm_id, const ExportFileInfo& file,
                           std::istream& in);

  // The same for an export already parsed by the caller: its header, and its
  // appointments from `next` (which may throw to refuse the export).
  IngestResult Apply(std::string_view inbox_firm_id, const ExportFileInfo& file,
                     const ExportHeader& header, const AppointmentSource& next);

  // Records a file refused before it could be applied (unreadable header, ...).
  IngestResult Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                      const std::string& reason);

  // The digests of the firm's appointments as the store has them now, for
  // Prepare; read outside any lock, so ApplyPrepared checks them again under it.
  // Any thread. Throws DatabaseError.
  KnownRawDigests KnownDigests(std::string_view firm_id);

  // True if `file` (by name or SHA-256) was processed for this firm before.
  bool AlreadyProcessed(std::string_view firm_id, const ExportFileInfo& file);

  // ApplyFile reads an export up to this size whole, before the transaction
  // (the store's writer is then held only for the diff); a larger one streams
  // through the transaction with bounded memory.
  static constexpr size_t kReadAheadBytes = 8u << 20;

 private:
  // `group` null: a transaction of its own.
  IngestResult Run(std::string_view inbox_firm_id, const ExportFileInfo& file,
                   const std::function<void(SnapshotApplier&)>& feed, CommitGroup* group = nullptr);
  IngestResult Stream(std::string_view inbox_firm_id, const ExportFileInfo& file, std::istream& in,
                      CommitGroup* group);
  IngestResult Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                      const std::string& reason, CommitGroup* group);
  void WithFirm(CommitGroup* group, std::string_view firm_id,
                const std::function<void(SqlConnection&)>& fn);

  Database& db_;
  const Clock& clock_;
};

// The header of an export (read and validated up to the first appointment), or
// nullopt if the file is not a readable export. Used to order a firm's files.
std::optional<ExportHeader> ReadExportHeader(std::istream& in, const std::string& source_name);

// SHA-256 of a local file, lower-case hex.
std::string Sha256OfFile(const std::string& path);

}  // namespace kehrbote
