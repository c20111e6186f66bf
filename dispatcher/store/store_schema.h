// The store component's own tables (migration component "store"):
//
//   firms(id PK, name, timezone, country, phone, heartbeat_contacts (JSON array of
//     {channel, address}), last_export_at (when it was applied), last_export_name,
//     last_export_generated_at, last_export_appointments, last_window_from,
//     last_window_to (local dates "YYYY-MM-DD"), last_rejected_name,
//     last_rejected_reason, last_rejected_at, updated_at)
//     One row per firm that has sent anything (created on the first file, applied
//     or refused). The heartbeat reads last_export_* and last_rejected_*.
//   processed_files(firm_id, name, sha256, outcome 'applied'|'ignored'|'rejected',
//     detail, generated_at, at; UNIQUE(firm_id, sha256), UNIQUE(firm_id, name))
//   appointments(firm_id, appointment_id, current_version, status 'scheduled'|
//     'cancelled', kind, start_at (UTC unix seconds), content_hash, data_hash,
//     updated_at, raw_digest (v2: the digest of the export bytes the current
//     version was read from, '' if none; raw_appointment_digest.h);
//     PK(firm_id, appointment_id))
//   appointment_versions(firm_id, appointment_id, version, change 'new'|'changed'|
//     'cancelled'|'gone'|'restored', status, kind, start_at, start_local
//     ("YYYY-MM-DDTHH:MM:SS" of Earliest()), data (the full appointment as JSON,
//     see appointment_json.h), content_hash, cancel_reason, export_name,
//     export_generated_at, created_at; PK(firm_id, appointment_id, version))
//
// All timestamps are BIGINT unix seconds (UTC).
#pragma once

#include <vector>

#include "dispatcher/store/database.h"

namespace kehrbote {

inline constexpr const char* kStoreComponent = "store";

const std::vector<Migration>& StoreMigrations();

// Database::Migrate("store", StoreMigrations()).
void MigrateStore(Database& db);

}  // namespace kehrbote
