#include "dispatcher/ingest/snapshot_applier.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "dispatcher/ingest/known_appointments.h"
#include "dispatcher/ingest/refused_export.h"
#include "dispatcher/store/appointment_json.h"
#include "dispatcher/store/appointment_store.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

namespace {

int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }

// The counter of `work` that `change` adds to.
int& Counter(IngestResult& work, AppointmentChange change) {
  switch (change) {
    case AppointmentChange::kNew:
      return work.added;
    case AppointmentChange::kChanged:
      return work.changed;
    case AppointmentChange::kCancelled:
      return work.cancelled;
    case AppointmentChange::kRestored:
      return work.restored;
    case AppointmentChange::kGone:
      return work.gone;
    case AppointmentChange::kRefreshed:
      return work.refreshed;
    case AppointmentChange::kUnchanged:
      break;
  }
  return work.unchanged;
}

}  // namespace

void SnapshotApplier::Begin(const ExportHeader& header) {
  header_ = header;
  work_.generated_at = header.generated_at;
  const std::string& firm = work_.firm_id;
  if (header.firm.id != firm) {
    throw RefusedExport(file_.name + ": export of firm '" + header.firm.id +
                        "' in the inbox of firm '" + firm + "'");
  }
  const std::string& tz = header.firm.timezone;
  if (!IsKnownTimeZone(tz)) throw RefusedExport(file_.name + ": unknown time zone '" + tz + "'");
  const std::optional<Instant> last = LastAppliedExport(c_, firm);
  if (last && *last > header.generated_at) {
    throw IgnoredExport(file_.name + ": generated at " + FormatRfc3339(header.generated_at, tz) +
                        ", before the export already applied (" + FormatRfc3339(*last, tz) + ")");
  }
  if (!preloaded_) preloaded_ = LoadKnownAppointments(c_, firm);
  diff_.emplace(std::move(*preloaded_), file_.name);
  preloaded_.reset();
  writer_.emplace(c_, firm, file_.name, header.generated_at, now_);
}

const KnownRawDigests& SnapshotApplier::LoadKnown() {
  // The header's firm must be the inbox's (Begin refuses it otherwise), so the
  // inbox's firm is the one to load.
  preloaded_ = LoadKnownAppointments(c_, work_.firm_id);
  raw_digests_ = RawDigestsOf(*preloaded_);
  return raw_digests_;
}

void SnapshotApplier::Add(const ExportItem& item) {
  if (item.known) {
    ++Counter(work_, diff_->ClassifyKnown(item.appointment.id).change);
    ++work_.skipped;
    return;
  }
  AppointmentFingerprint f = Fingerprint(item.appointment);
  f.raw_digest = item.raw_digest;
  AddDecoded(item.appointment, f);
}

void SnapshotApplier::Add(const Appointment& a) { AddDecoded(a, Fingerprint(a)); }

void SnapshotApplier::AddDecoded(const Appointment& a, const AppointmentFingerprint& f) {
  const DiffStep step = diff_->Classify(a, f);
  ++Counter(work_, step.change);
  switch (step.change) {
    case AppointmentChange::kUnchanged:
      if (step.digest_stale) writer_->UpdateRawDigest(a.id, f.raw_digest);
      return;
    case AppointmentChange::kRefreshed:
      writer_->Refresh(a.id, step.version, f);
      work_.refreshed_ids.push_back(a.id);
      return;
    default:
      writer_->AddVersion(a, step.version, step.change, StartSeconds(a), f);
      work_.changed_ids.push_back(a.id);
  }
}

int64_t SnapshotApplier::StartSeconds(const Appointment& a) {
  const LocalTime local = a.start.Earliest();
  auto [it, inserted] = start_seconds_.try_emplace(local.time_since_epoch().count());
  if (!inserted) return it->second;
  try {
    it->second = Seconds(ToInstant(local, header_.firm.timezone));
  } catch (const std::exception& e) {
    start_seconds_.erase(it);
    throw RefusedExport(file_.name + ": appointment " + std::to_string(diff_->position()) +
                        " (id '" + a.id + "'): " + e.what());
  }
  return it->second;
}

void SnapshotApplier::Finish() {
  work_.appointments = diff_->position();
  MarkGone();
  RecordFirm(c_, header_, file_.name, diff_->position(), now_);
  RecordProcessed(c_, work_.firm_id, file_, "applied", "", header_.generated_at, now_);
  writer_->Finish();
  work_.outcome = IngestOutcome::kApplied;
  std::sort(work_.changed_ids.begin(), work_.changed_ids.end());
  std::sort(work_.refreshed_ids.begin(), work_.refreshed_ids.end());
}

void SnapshotApplier::Discard() {
  if (writer_) writer_->Discard();
}

void SnapshotApplier::MarkGone() {
  const std::string& tz = header_.firm.timezone;
  const int64_t from = Seconds(ToInstant(header_.window_from, tz));
  const int64_t to = Seconds(ToInstant(header_.window_to + std::chrono::days(1), tz));
  const std::vector<GoneAppointment> gone = diff_->Gone(from, to);
  // A chunk's stored versions are read before its new ones are written: on
  // PostgreSQL a read first waits for the queued writes, so reads and writes
  // alternating row by row would cost a round trip more per row.
  constexpr size_t kChunk = 256;
  std::vector<Appointment> stored;
  for (size_t begin = 0; begin < gone.size(); begin += kChunk) {
    const size_t end = std::min(gone.size(), begin + kChunk);
    stored.clear();
    for (size_t i = begin; i < end; ++i) {
      stored.push_back(
          AppointmentFromJson(VersionData(c_, work_.firm_id, gone[i].id, gone[i].current_version)));
    }
    for (size_t i = begin; i < end; ++i) {
      Appointment& a = stored[i - begin];
      a.id = gone[i].id;
      a.status = AppointmentStatus::kCancelled;
      writer_->AddVersion(a, gone[i].current_version + 1, AppointmentChange::kGone,
                          gone[i].start_at, Fingerprint(a), kGoneReason);
      ++work_.gone;
      work_.changed_ids.push_back(a.id);
    }
  }
}

}  // namespace kehrbote
