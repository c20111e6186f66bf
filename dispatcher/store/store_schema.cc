#include "dispatcher/store/store_schema.h"

namespace kehrbote {

namespace {

// Same DDL for both dialects except where noted; kept as one text so the two
// never drift apart.
std::string V1() {
  return R"(
CREATE TABLE firms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  heartbeat_contacts TEXT NOT NULL DEFAULT '[]',
  last_export_at BIGINT,
  last_export_name TEXT,
  last_export_generated_at BIGINT,
  last_export_appointments INTEGER,
  last_window_from TEXT,
  last_window_to TEXT,
  last_rejected_name TEXT,
  last_rejected_reason TEXT,
  last_rejected_at BIGINT,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE processed_files (
  firm_id TEXT NOT NULL,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  generated_at BIGINT,
  at BIGINT NOT NULL,
  UNIQUE (firm_id, sha256),
  UNIQUE (firm_id, name)
);
CREATE TABLE appointments (
  firm_id TEXT NOT NULL,
  appointment_id TEXT NOT NULL,
  current_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  content_hash TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (firm_id, appointment_id)
);
CREATE INDEX appointments_start ON appointments (firm_id, start_at);
CREATE TABLE appointment_versions (
  firm_id TEXT NOT NULL,
  appointment_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  change TEXT NOT NULL,
  status TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_at BIGINT NOT NULL,
  start_local TEXT NOT NULL,
  data TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  cancel_reason TEXT NOT NULL DEFAULT '',
  export_name TEXT NOT NULL DEFAULT '',
  export_generated_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (firm_id, appointment_id, version)
)
)";
}

// The digest of the bytes an appointment's current version was read from
// (raw_appointment_digest.h): '' for rows written before it and for versions no
// export's bytes stand for (gone), which then never match.
constexpr const char* kV2 =
    "ALTER TABLE appointments ADD COLUMN raw_digest TEXT NOT NULL DEFAULT ''";

}  // namespace

const std::vector<Migration>& StoreMigrations() {
  static const std::vector<Migration> migrations = {
      {1, V1(), V1()},
      {2, kV2, kV2},
  };
  return migrations;
}

void MigrateStore(Database& db) { db.Migrate(kStoreComponent, StoreMigrations()); }

}  // namespace kehrbote
