#include "dispatcher/ingest/known_appointments.h"

namespace kehrbote {

KnownAppointments LoadKnownAppointments(SqlConnection& c, std::string_view firm_id) {
  // ORDER BY the primary key makes SQLite walk the primary key's index: the rows
  // then come in about the order they were written. Without it SQLite chose the
  // (firm_id, start_at) index, and its row lookups in start order read the table's
  // pages at random (most of a 5%-changed export's time on SQLite).
  SqlStatement q(
      c,
      "SELECT appointment_id, current_version, status, content_hash, data_hash, start_at, "
      "raw_digest FROM appointments WHERE firm_id = ? ORDER BY appointment_id");
  q.Bind(1, firm_id);
  KnownAppointments known;
  while (q.Step()) {
    KnownAppointment k;
    k.version = q.Int(1);
    k.scheduled = q.TextView(2) == "scheduled";
    k.content_hash = q.Text(3);
    k.data_hash = q.Text(4);
    k.start_at = q.Int(5);
    k.raw_digest = q.Text(6);
    known.emplace(q.Text(0), std::move(k));
  }
  return known;
}

KnownRawDigests LoadKnownRawDigests(SqlConnection& c, std::string_view firm_id) {
  // In primary key order, as LoadKnownAppointments and for the same reason.
  SqlStatement q(c,
                 "SELECT raw_digest, appointment_id FROM appointments WHERE firm_id = ? AND "
                 "raw_digest <> '' ORDER BY appointment_id");
  q.Bind(1, firm_id);
  KnownRawDigests digests;
  while (q.Step()) digests.emplace(q.Text(0), q.Text(1));
  return digests;
}

KnownRawDigests RawDigestsOf(const KnownAppointments& known) {
  KnownRawDigests digests;
  digests.reserve(known.size());
  for (const auto& [id, k] : known) {
    if (!k.raw_digest.empty()) digests.emplace(k.raw_digest, id);
  }
  return digests;
}

}  // namespace kehrbote
