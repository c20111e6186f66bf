#include "dispatcher/settings/firm_settings_store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

namespace kehrbote {

using Poco::Data::RecordSet;
using Poco::Data::Statement;
using namespace Poco::Data::Keywords;

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

constexpr const char* kColumns =
    "firm_id, version, yaml, removed, source, origin, author, saved_at";

int64_t CurrentVersionIn(Database& db, Poco::Data::Session& s, const std::string& firm_id) {
  Poco::Int64 v = 0;
  std::string f = firm_id;
  s << db.Sql("SELECT COALESCE(MAX(version), 0) FROM firm_settings WHERE firm_id = ?"), into(v),
      use(f), now;
  return v;
}

}  // namespace

const std::vector<Migration>& SettingsMigrations() {
  static const std::vector<Migration> migrations = {{1, V1(), V1()}};
  return migrations;
}

void FirmSettingsStore::Migrate() { db_.Migrate(kSettingsComponent, SettingsMigrations()); }

SaveResult FirmSettingsStore::Save(const SettingsSave& save, Instant at) {
  SaveResult r;
  db_.WithFirmLock(save.firm_id, [&](Poco::Data::Session& s) {
    r.version = CurrentVersionIn(db_, s, save.firm_id);
    if (save.expected_version && *save.expected_version != r.version) {
      r.conflict = true;
      return;
    }
    if (save.skip_if_unchanged && r.version > 0) {
      std::string yaml;
      Poco::Int64 removed = 0, v = r.version;
      std::string f = save.firm_id;
      s << db_.Sql("SELECT yaml, removed FROM firm_settings WHERE firm_id = ? AND version = ?"),
          into(yaml), into(removed), use(f), use(v), now;
      if (yaml == save.yaml && (removed != 0) == save.removed) return;
    }
    std::string f = save.firm_id, yaml = save.yaml, source = save.source, origin = save.origin,
                author = save.author;
    Poco::Int64 version = r.version + 1, removed = save.removed ? 1 : 0,
                saved_at = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
    s << db_.Sql("INSERT INTO firm_settings (firm_id, version, yaml, removed, source, origin, "
                 "author, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        use(f), use(version), use(yaml), use(removed), use(source), use(origin), use(author),
        use(saved_at), now;
    r.saved = true;
    r.version = version;
  });
  return r;
}

std::vector<SettingsVersion> FirmSettingsStore::CurrentVersions() {
  Poco::Data::Session s = db_.GetSession();
  Statement st(s);
  st << "SELECT v.firm_id, v.version, v.removed FROM firm_settings v JOIN "
        "(SELECT firm_id, MAX(version) AS version FROM firm_settings GROUP BY firm_id) c "
        "ON v.firm_id = c.firm_id AND v.version = c.version ORDER BY v.firm_id";
  st.execute();
  RecordSet rs(st);
  std::vector<SettingsVersion> out;
  for (size_t row = 0; row < rs.rowCount(); ++row)
    out.push_back({rs.value(0, row).convert<std::string>(),
                   rs.value(1, row).convert<Poco::Int64>(),
                   rs.value(2, row).convert<Poco::Int64>() != 0});
  return out;
}

std::vector<StoredSettings> FirmSettingsStore::Query(const std::string& where,
                                                     const std::vector<std::string>& args) {
  Poco::Data::Session s = db_.GetSession();
  Statement st(s);
  st << db_.Sql(std::string("SELECT ") + kColumns + " FROM firm_settings WHERE " + where);
  std::vector<std::string> values = args;  // bound by reference
  for (std::string& v : values) st.addBind(use(v));
  st.execute();
  RecordSet rs(st);
  std::vector<StoredSettings> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) {
    StoredSettings r;
    r.firm_id = rs.value(0, row).convert<std::string>();
    r.version = rs.value(1, row).convert<Poco::Int64>();
    r.yaml = rs.value(2, row).convert<std::string>();
    r.removed = rs.value(3, row).convert<Poco::Int64>() != 0;
    r.source = rs.value(4, row).convert<std::string>();
    r.origin = rs.value(5, row).convert<std::string>();
    r.author = rs.value(6, row).convert<std::string>();
    r.saved_at = Instant(std::chrono::seconds(rs.value(7, row).convert<Poco::Int64>()));
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<StoredSettings> FirmSettingsStore::Current(std::string_view firm_id) {
  std::vector<StoredSettings> rows =
      Query("firm_id = ? ORDER BY version DESC LIMIT 1", {std::string(firm_id)});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<StoredSettings> FirmSettingsStore::Version(std::string_view firm_id, int64_t version) {
  // A firm has few versions: filter its history rather than bind a number as text.
  for (StoredSettings& r : History(firm_id))
    if (r.version == version) return std::move(r);
  return std::nullopt;
}

std::vector<StoredSettings> FirmSettingsStore::History(std::string_view firm_id) {
  return Query("firm_id = ? ORDER BY version", {std::string(firm_id)});
}

std::optional<StoredSettings> FirmSettingsStore::LastImportOf(std::string_view origin) {
  std::vector<StoredSettings> rows = Query(
      "origin = ? AND source IN ('file', 'import') ORDER BY saved_at DESC, version DESC LIMIT 1",
      {std::string(origin)});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

}  // namespace kehrbote
