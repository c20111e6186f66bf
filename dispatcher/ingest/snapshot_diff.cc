#include "dispatcher/ingest/snapshot_diff.h"

#include <stdexcept>

#include "dispatcher/ingest/refused_export.h"

namespace kehrbote {

std::string_view ToString(AppointmentChange c) {
  switch (c) {
    case AppointmentChange::kNew:
      return "new";
    case AppointmentChange::kChanged:
      return "changed";
    case AppointmentChange::kCancelled:
      return "cancelled";
    case AppointmentChange::kRestored:
      return "restored";
    case AppointmentChange::kGone:
      return "gone";
    case AppointmentChange::kRefreshed:
      return "refreshed";
    case AppointmentChange::kUnchanged:
      return "unchanged";
  }
  return "?";
}

DiffStep SnapshotDiff::Classify(const Appointment& a, const AppointmentFingerprint& f) {
  ++position_;
  auto [it, inserted] = known_.try_emplace(a.id);
  KnownAppointment& k = it->second;
  if (inserted) {
    // Remembered as seen, so that the id appearing again is refused.
    k.version = 1;
    k.seen = true;
    return {AppointmentChange::kNew, 1};
  }
  MarkSeen(a.id, k);
  if (k.content_hash == f.content_hash) {  // the common case
    if (k.data_hash == f.data_hash) {
      const bool stale = !f.raw_digest.empty() && f.raw_digest != k.raw_digest;
      return {AppointmentChange::kUnchanged, k.version, stale};
    }
    return {AppointmentChange::kRefreshed, k.version};
  }
  const bool scheduled = a.status == AppointmentStatus::kScheduled;
  AppointmentChange change = AppointmentChange::kChanged;
  if (!scheduled && k.scheduled) change = AppointmentChange::kCancelled;
  if (scheduled && !k.scheduled) change = AppointmentChange::kRestored;
  return {change, k.version + 1};
}

DiffStep SnapshotDiff::ClassifyKnown(const std::string& id) {
  ++position_;
  const auto it = known_.find(id);
  // The reader knows only digests of this picture, so the id is in it.
  if (it == known_.end()) throw std::logic_error("appointment '" + id + "' known but not stored");
  MarkSeen(id, it->second);
  return {AppointmentChange::kUnchanged, it->second.version};
}

void SnapshotDiff::MarkSeen(const std::string& id, KnownAppointment& k) const {
  if (k.seen) {
    throw RefusedExport(file_name_ + ": appointment id '" + id +
                        "' appears twice (again at position " + std::to_string(position_) + ")");
  }
  k.seen = true;
}

std::vector<GoneAppointment> SnapshotDiff::Gone(int64_t window_start, int64_t window_end) const {
  std::vector<GoneAppointment> gone;
  for (const auto& [id, k] : known_) {
    if (k.seen || !k.scheduled || k.start_at < window_start || k.start_at >= window_end) continue;
    gone.push_back({id, k.version, k.start_at});
  }
  return gone;
}

}  // namespace kehrbote
