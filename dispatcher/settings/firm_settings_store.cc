#include "dispatcher/settings/firm_settings_store.h"

namespace kehrbote {

namespace {

std::string V1() {
  return R"(
CREATE TABLE firm_settings (
  firm_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  yaml TEXT NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  origin TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  saved_at BIGINT NOT NULL,
  PRIMARY KEY (firm_id, version)
);
CREATE INDEX firm_settings_origin ON firm_settings (origin, version)
)";
}

// The columns ReadSettings reads, in its order.
constexpr const char* kColumns =
    "firm_id, version, yaml, removed, source, origin, author, saved_at";

// The firm_settings row `q` stands on (selected with kColumns).
StoredSettings ReadSettings(const SqlStatement& q) {
  StoredSettings r;
  r.firm_id = q.Text(0);
  r.version = q.Int(1);
  r.yaml = q.Text(2);
  r.removed = q.Int(3) != 0;
  r.source = q.Text(4);
  r.origin = q.Text(5);
  r.author = q.Text(6);
  r.saved_at = Instant(std::chrono::seconds(q.Int(7)));
  return r;
}

// The rows of "SELECT <kColumns> FROM firm_settings WHERE <where>" with `values` bound.
template <typename... Values>
std::vector<StoredSettings> Select(Database& db, const std::string& where,
                                   const Values&... values) {
  PooledConnection c = db.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kColumns + " FROM firm_settings WHERE " + where);
  q.BindAll(values...);
  std::vector<StoredSettings> out;
  while (q.Step()) out.push_back(ReadSettings(q));
  return out;
}

int64_t CurrentVersionIn(SqlConnection& c, const std::string& firm_id) {
  return QueryInt(c, "SELECT COALESCE(MAX(version), 0) FROM firm_settings WHERE firm_id = ?",
                  firm_id)
      .value_or(0);
}

}  // namespace

const std::vector<Migration>& SettingsMigrations() {
  static const std::vector<Migration> migrations = {{1, V1(), V1()}};
  return migrations;
}

void FirmSettingsStore::Migrate() { db_.Migrate(kSettingsComponent, SettingsMigrations()); }

SaveResult FirmSettingsStore::Save(const SettingsSave& save, Instant at) {
  SaveResult r;
  db_.WithFirmLock(save.firm_id, [&](SqlConnection& c) {
    r.version = CurrentVersionIn(c, save.firm_id);
    if (save.expected_version && *save.expected_version != r.version) {
      r.conflict = true;
      return;
    }
    if (save.skip_if_unchanged && r.version > 0) {
      SqlStatement q(c,
                     "SELECT yaml, removed FROM firm_settings WHERE firm_id = ? AND version = ?");
      q.BindAll(save.firm_id, r.version);
      if (q.Step() && q.TextView(0) == save.yaml && (q.Int(1) != 0) == save.removed) return;
    }
    const int64_t version = r.version + 1;
    const int64_t saved_at =
        std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
    Execute(c,
            "INSERT INTO firm_settings (firm_id, version, yaml, removed, source, origin, "
            "author, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            save.firm_id, version, save.yaml, save.removed, save.source, save.origin, save.author,
            saved_at);
    r.saved = true;
    r.version = version;
  });
  return r;
}

std::vector<SettingsVersion> FirmSettingsStore::CurrentVersions() {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c,
                 "SELECT v.firm_id, v.version, v.removed FROM firm_settings v JOIN "
                 "(SELECT firm_id, MAX(version) AS version FROM firm_settings GROUP BY firm_id) c "
                 "ON v.firm_id = c.firm_id AND v.version = c.version ORDER BY v.firm_id");
  std::vector<SettingsVersion> out;
  while (q.Step()) out.push_back({q.Text(0), q.Int(1), q.Int(2) != 0});
  return out;
}

std::optional<StoredSettings> FirmSettingsStore::Current(std::string_view firm_id) {
  std::vector<StoredSettings> rows =
      Select(db_, "firm_id = ? ORDER BY version DESC LIMIT 1", firm_id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<StoredSettings> FirmSettingsStore::Version(std::string_view firm_id, int64_t version) {
  std::vector<StoredSettings> rows = Select(db_, "firm_id = ? AND version = ?", firm_id, version);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<StoredSettings> FirmSettingsStore::History(std::string_view firm_id) {
  return Select(db_, "firm_id = ? ORDER BY version", firm_id);
}

std::optional<StoredSettings> FirmSettingsStore::LastImportOf(std::string_view origin) {
  std::vector<StoredSettings> rows = Select(
      db_,
      "origin = ? AND source IN ('file', 'import') ORDER BY saved_at DESC, version DESC LIMIT 1",
      origin);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

}  // namespace kehrbote
