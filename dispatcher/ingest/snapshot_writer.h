// The SQL of ingest, on the connection of the export's transaction (the
// caller's; nothing here begins, commits or takes locks):
//
// SnapshotWriter writes one export's many rows: the new versions
// (appointment_versions) with the appointments rows that point at them, and the
// in-place refreshes. It holds a SqlBatch from construction until Finish(): on
// PostgreSQL the writes are pipelined (one round trip for many rows) and new
// rows go 1,000 to a statement (MultiRowInsert), so a failing write may throw
// only from a later write, a later read or from Finish(). On SQLite
// each write is a local call anyway.
//
// The per-file rows and reads beside it: the duplicate check and the outcome
// (processed_files), the firm row (firms: the firm as of its last export, the
// last refused file), the last applied export's time, a version's stored data.
//
// All throw DatabaseError. Text is bound without a copy on SQLite: every
// function keeps its values alive until its statement has run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dispatcher/ingest/appointment_fingerprint.h"
#include "dispatcher/ingest/snapshot_diff.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/multi_row_insert.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

class SnapshotWriter {
 public:
  // Writes of the export `export_name` of `firm_id`, generated at `generated_at`,
  // stamped `now`.
  SnapshotWriter(SqlConnection& c, std::string firm_id, std::string export_name,
                 Instant generated_at, Instant now);
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Version `version` of `a` (with its fingerprint), made by `change`, starting
  // at `start_at` (UTC unix seconds), as the appointment's current version: the
  // appointments row is inserted for kNew and updated otherwise.
  void AddVersion(const Appointment& a, int64_t version, AppointmentChange change, int64_t start_at,
                  const AppointmentFingerprint& f, std::string_view cancel_reason = {});

  // Same content, other data: the current version `version` of `id` takes `f`'s data.
  void Refresh(const std::string& id, int64_t version, const AppointmentFingerprint& f);

  // Unchanged, read from other bytes: the current version of `id` was read from
  // bytes with `raw_digest` now (the next export steps over them).
  void UpdateRawDigest(const std::string& id, const std::string& raw_digest);

  // Ends the batch: sends the rows still collected, waits for the queued writes
  // and throws the first failure. Once; later calls (and Discard) do nothing.
  void Finish();

  // Ends the batch without sending the rows still collected (the export is
  // refused and the caller rolls back what was written). Once, like Finish().
  void Discard();

 private:
  const std::string firm_, export_name_;
  const int64_t generated_at_, now_;
  // Prepared before the batch begins (PostgreSQL prepares outside pipelines).
  // New rows go as multi-row inserts: on PostgreSQL one executor start per
  // 1,000 rows instead of per row (the rows of one export never touch a key twice).
  MultiRowInsert new_apps_, new_versions_;
  SqlStatement update_app_, refresh_version_, refresh_app_, update_digest_;
  SqlBatch batch_;
  bool finished_ = false;
};

// True if `file` (by name or by SHA-256) was processed for `firm_id` before.
bool ProcessedBefore(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file);

// When the export last applied for `firm_id` was generated, if any.
std::optional<Instant> LastAppliedExport(SqlConnection& c, std::string_view firm_id);

// The stored data (appointment JSON) of version `version` of `id`.
std::string VersionData(SqlConnection& c, std::string_view firm_id, std::string_view id,
                        int64_t version);

// The firm as of the applied export `export_name` (`header`, `appointments`
// read from it), for planning and the heartbeat.
void RecordFirm(SqlConnection& c, const ExportHeader& header, std::string_view export_name,
                int appointments, Instant now);

// `file` processed for `firm_id` with `outcome` ("applied", "ignored",
// "rejected") and `detail` (the reason); a second record of the same file is
// dropped.
void RecordProcessed(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file,
                     std::string_view outcome, std::string_view detail,
                     std::optional<Instant> generated_at, Instant now);

// `file` refused for `reason`: processed_files ('rejected') and the firm's
// last_rejected_*, which its next heartbeat reports.
void RecordRejection(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file,
                     std::string_view reason, Instant now);

}  // namespace kehrbote
