#include "dispatcher/ingest/snapshot_writer.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "dispatcher/store/appointment_json.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

namespace {

int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }

// "2026-11-24T08:30:00" (FormatLocalDateTime without iostreams: one per version written).
std::string LocalDateTimeText(LocalTime t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const long secs = static_cast<long>((t - day).count());
  char buf[32];
  const int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld",
                    static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                    static_cast<unsigned>(ymd.day()), secs / 3600, secs / 60 % 60, secs % 60);
  return std::string(buf, static_cast<size_t>(n));
}

std::string HeartbeatContactsJson(const std::vector<HeartbeatContact>& contacts) {
  std::string out = "[";
  for (size_t i = 0; i < contacts.size(); ++i) {
    if (i) out += ',';
    out += "{\"channel\":" + JsonQuote(ToString(contacts[i].channel)) +
           ",\"address\":" + JsonQuote(contacts[i].address) + "}";
  }
  return out + "]";
}

}  // namespace

SnapshotWriter::SnapshotWriter(SqlConnection& c, std::string firm_id, std::string export_name,
                               Instant generated_at, Instant now)
    : firm_(std::move(firm_id)),
      export_name_(std::move(export_name)),
      generated_at_(Seconds(generated_at)),
      now_(Seconds(now)),
      new_apps_(c, "appointments",
                {{"firm_id"},
                 {"appointment_id"},
                 {"current_version", SqlType::kInt},
                 {"status"},
                 {"kind"},
                 {"start_at", SqlType::kInt},
                 {"content_hash"},
                 {"data_hash"},
                 {"updated_at", SqlType::kInt},
                 {"raw_digest"}}),
      new_versions_(c, "appointment_versions",
                    {{"firm_id"},
                     {"appointment_id"},
                     {"version", SqlType::kInt},
                     {"change"},
                     {"status"},
                     {"kind"},
                     {"start_at", SqlType::kInt},
                     {"start_local"},
                     {"data"},
                     {"content_hash"},
                     {"cancel_reason"},
                     {"export_name"},
                     {"export_generated_at", SqlType::kInt},
                     {"created_at", SqlType::kInt}}),
      update_app_(c,
                  "UPDATE appointments SET current_version = ?, status = ?, kind = ?, "
                  "start_at = ?, content_hash = ?, data_hash = ?, updated_at = ?, raw_digest = ? "
                  "WHERE firm_id = ? AND appointment_id = ?"),
      refresh_version_(c,
                       "UPDATE appointment_versions SET data = ? "
                       "WHERE firm_id = ? AND appointment_id = ? AND version = ?"),
      refresh_app_(c,
                   "UPDATE appointments SET data_hash = ?, raw_digest = ? "
                   "WHERE firm_id = ? AND appointment_id = ?"),
      update_digest_(c,
                     "UPDATE appointments SET raw_digest = ? "
                     "WHERE firm_id = ? AND appointment_id = ?"),
      batch_(c) {}

void SnapshotWriter::AddVersion(const Appointment& a, int64_t version, AppointmentChange change,
                                int64_t start_at, const AppointmentFingerprint& f,
                                std::string_view cancel_reason) {
  const std::string_view status = ToString(a.status), kind = ToString(a.kind);
  if (change == AppointmentChange::kNew) {
    new_apps_.Row(firm_, a.id, version, status, kind, start_at, f.content_hash, f.data_hash, now_,
                  f.raw_digest);
  } else {
    update_app_
        .BindAll(version, status, kind, start_at, f.content_hash, f.data_hash, now_, f.raw_digest,
                 firm_, a.id)
        .Run();
  }
  const std::string start_local = LocalDateTimeText(a.start.Earliest());
  new_versions_.Row(firm_, a.id, version, ToString(change), status, kind, start_at, start_local,
                    f.data_json, f.content_hash, cancel_reason, export_name_, generated_at_, now_);
}

void SnapshotWriter::Refresh(const std::string& id, int64_t version,
                             const AppointmentFingerprint& f) {
  refresh_version_.BindAll(f.data_json, firm_, id, version).Run();
  refresh_app_.BindAll(f.data_hash, f.raw_digest, firm_, id).Run();
}

void SnapshotWriter::UpdateRawDigest(const std::string& id, const std::string& raw_digest) {
  update_digest_.BindAll(raw_digest, firm_, id).Run();
}

void SnapshotWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  new_apps_.Finish();
  new_versions_.Finish();
  batch_.Finish();
}

void SnapshotWriter::Discard() {
  if (finished_) return;
  finished_ = true;
  batch_.Finish();  // the collected rows die with this writer, unsent
}

bool ProcessedBefore(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file) {
  return QueryInt(c,
                  "SELECT COUNT(*) FROM processed_files "
                  "WHERE firm_id = ? AND (name = ? OR sha256 = ?)",
                  firm_id, file.name, file.sha256)
             .value_or(0) > 0;
}

std::optional<Instant> LastAppliedExport(SqlConnection& c, std::string_view firm_id) {
  const std::optional<int64_t> at =
      QueryInt(c, "SELECT last_export_generated_at FROM firms WHERE id = ?", firm_id);
  if (!at) return std::nullopt;
  return Instant(std::chrono::seconds(*at));
}

std::string VersionData(SqlConnection& c, std::string_view firm_id, std::string_view id,
                        int64_t version) {
  return QueryText(c,
                   "SELECT data FROM appointment_versions "
                   "WHERE firm_id = ? AND appointment_id = ? AND version = ?",
                   firm_id, id, version)
      .value_or("");
}

void RecordFirm(SqlConnection& c, const ExportHeader& header, std::string_view export_name,
                int appointments, Instant now) {
  const Firm& firm = header.firm;
  const std::string contacts = HeartbeatContactsJson(firm.heartbeat_contacts);
  const std::string from = FormatLocalDate(header.window_from);
  const std::string to = FormatLocalDate(header.window_to);
  Execute(c,
          "INSERT INTO firms (id, name, timezone, country, phone, heartbeat_contacts, "
          "last_export_at, last_export_name, last_export_generated_at, "
          "last_export_appointments, last_window_from, last_window_to, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, "
          "country = excluded.country, phone = excluded.phone, "
          "heartbeat_contacts = excluded.heartbeat_contacts, "
          "last_export_at = excluded.last_export_at, "
          "last_export_name = excluded.last_export_name, "
          "last_export_generated_at = excluded.last_export_generated_at, "
          "last_export_appointments = excluded.last_export_appointments, "
          "last_window_from = excluded.last_window_from, "
          "last_window_to = excluded.last_window_to, updated_at = excluded.updated_at",
          firm.id, firm.name, firm.timezone, firm.country, firm.phone, contacts, Seconds(now),
          export_name, Seconds(header.generated_at), appointments, from, to, Seconds(now));
}

void RecordProcessed(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file,
                     std::string_view outcome, std::string_view detail,
                     std::optional<Instant> generated_at, Instant now) {
  std::optional<int64_t> generated;
  if (generated_at) generated = Seconds(*generated_at);
  Execute(c,
          "INSERT INTO processed_files (firm_id, name, sha256, outcome, detail, generated_at, at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          firm_id, file.name, file.sha256, outcome, detail, generated, Seconds(now));
}

void RecordRejection(SqlConnection& c, std::string_view firm_id, const ExportFileInfo& file,
                     std::string_view reason, Instant now) {
  Execute(c,
          "INSERT INTO firms (id, last_rejected_name, last_rejected_reason, last_rejected_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
          "last_rejected_name = excluded.last_rejected_name, "
          "last_rejected_reason = excluded.last_rejected_reason, "
          "last_rejected_at = excluded.last_rejected_at, updated_at = excluded.updated_at",
          firm_id, file.name, reason, Seconds(now), Seconds(now));
  RecordProcessed(c, firm_id, file, "rejected", reason, std::nullopt, now);
}

}  // namespace kehrbote
