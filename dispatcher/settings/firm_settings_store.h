// FirmSettingsStore: every firm's settings (the firm YAML text) as versioned
// rows in the store, the one source of truth for what the dispatcher plans
// with (migration component "settings").
//
//   firm_settings(firm_id, version, yaml, removed, source, origin, author,
//     saved_at, PRIMARY KEY(firm_id, version))
//     version 1, 2, ... per firm; every save is a new row, rows are never
//     changed or deleted. The current version of a firm is its highest one;
//     `removed` = 1 marks a firm taken out of service (yaml ''), a later save
//     brings it back. source: 'file' (a firm file read by once/run), 'import'
//     (`firms import`), 'portal', 'cli'; origin: the file path for 'file' and
//     'import', else ''; author: who saved (a user name, "firms import").
//
// Save is atomic under the firm's lock (Database::WithFirmLock): the new row is
// written whole or not at all, and with `expected_version` it is refused when
// another save came first (two editors, several dispatchers on one PostgreSQL).
// The store does not validate: callers check the text first (settings_check.h,
// firm_settings_save.h). Thread-safe (one Database shared by all threads).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

inline constexpr const char* kSettingsComponent = "settings";
const std::vector<Migration>& SettingsMigrations();

struct StoredSettings {
  std::string firm_id;
  int64_t version = 0;
  std::string yaml;
  bool removed = false;
  std::string source;  // file | import | portal | cli
  std::string origin;  // file path (file, import)
  std::string author;
  Instant saved_at{};
};

// A firm and its current version number, without the text (cheap to list).
struct SettingsVersion {
  std::string firm_id;
  int64_t version = 0;
  bool removed = false;
};

struct SettingsSave {
  std::string firm_id;
  std::string yaml;
  bool removed = false;
  std::string source = "cli";
  std::string origin;
  std::string author;
  // Refuse the save unless the firm's current version is this one (0: the firm
  // has no settings yet). Unset: save on top of whatever is current.
  std::optional<int64_t> expected_version;
  // Do not write a new version when the current one has the same text (and is
  // not removed); Save then returns the current version.
  bool skip_if_unchanged = true;
};

struct SaveResult {
  bool saved = false;     // a new row was written
  bool conflict = false;  // expected_version did not match (nothing written)
  int64_t version = 0;    // the new version; on conflict or no change, the current one
};

class FirmSettingsStore {
 public:
  explicit FirmSettingsStore(Database& db) : db_(db) {}

  void Migrate();

  SaveResult Save(const SettingsSave& save, Instant now);

  // Current version of every firm (removed ones included, flagged), by firm id.
  std::vector<SettingsVersion> CurrentVersions();
  // The current version of a firm, with its text; nullopt if it has none.
  std::optional<StoredSettings> Current(std::string_view firm_id);
  std::optional<StoredSettings> Version(std::string_view firm_id, int64_t version);
  // Every version of a firm, oldest first.
  std::vector<StoredSettings> History(std::string_view firm_id);
  // The latest version imported from the file `origin` (source 'file' or
  // 'import'); nullopt if that file was never imported.
  std::optional<StoredSettings> LastImportOf(std::string_view origin);

 private:
  Database& db_;
};

}  // namespace kehrbote
