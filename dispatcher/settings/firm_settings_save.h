// Saving a firm's settings: validate with the loader's code, then write a new
// version, atomically or nothing. The portal's Settings page, `firms import`
// and the firm file import of once/run all save through here.
//
//   SettingsSaveOutcome out = SaveFirmSettings(store, {.firm_id = "huber",
//       .yaml = edited_text, .author = "anna@huber", .editor = SettingsEditor::kFirm,
//       .expected_version = version_the_page_showed}, clock.Now());
//   if (!out.errors.empty()) -> show each error at its field (error.key)
//   else if (out.conflict)   -> someone saved meanwhile: reload version out.version
//   else                     -> saved as out.version (out.saved false: text unchanged)
//
// Errors per key come from CheckFirmSettings (settings_check.h): the same
// ParseFirmConfig the firm files go through, so a text saved here loads.
// Besides those: the YAML's `id` must be the firm saved (key "id"), and a firm
// user (SettingsEditor::kFirm) may not change what the service partner decides
// — `inbox`, `quota` and `delivery` (reply addresses) — each reported at its key.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/settings/settings_check.h"

namespace kehrbote {

enum class SettingsEditor { kPartner, kFirm };

struct SettingsEdit {
  std::string firm_id;
  std::string yaml;
  std::string author;             // user name, "firms import", "file"
  SettingsEditor editor = SettingsEditor::kPartner;
  std::optional<int64_t> expected_version;  // see SettingsSave
  std::string source = "portal";  // portal | import | file | cli
  std::string origin;             // the file path of an import
};

struct SettingsSaveOutcome {
  std::vector<SettingsError> errors;  // nothing saved if not empty
  bool conflict = false;              // expected_version was not current; nothing saved
  bool saved = false;                 // a new version was written
  int64_t version = 0;                // the new version, else the current one (0: none)
  std::optional<FirmConfig> firm;     // the settings as parsed (no errors)
};

SettingsSaveOutcome SaveFirmSettings(FirmSettingsStore& store, const SettingsEdit& edit,
                                     Instant now);

// {"saved": bool, "conflict": bool, "version": N, "errors": [{"key", "line",
// "column", "message"}]}, for the web layer to return as is.
nlohmann::json ToJson(const SettingsSaveOutcome& outcome);

// `firms import`, and the firm file import of once/run: the firm id is the
// file's `id`. An unchanged text writes no version.
SettingsSaveOutcome ImportFirmFile(FirmSettingsStore& store, const std::string& path,
                                   const std::string& yaml, const std::string& source,
                                   const std::string& author, Instant now);

}  // namespace kehrbote
