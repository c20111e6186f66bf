// CheckFirmSettings: validates a firm's settings (the firm YAML) with the same
// code as the firm file loader (ParseFirmConfig), and reports every bad key, not
// only the first, so a page can show each error at its field.
//
// How: ParseFirmConfig stops at the first error. The check records it, removes
// the offending key from the parsed document (so its default applies) and
// parses again, until the document parses or an error cannot be removed (a
// YAML syntax error, a required key that is absent, an error that comes back
// after its key was removed). Line and column are those of the text given.
// Keys are ConfigNode's full paths: "rules[1].lead", "templates.sms_reminder",
// "quiet_hours.from"; "" for the document as a whole.
//
// Pure: no I/O. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dispatcher/config/dispatcher_config.h"

namespace kehrbote {

struct SettingsError {
  std::string key;      // "rules[1].lead"; "" for the whole text
  int line = 0;         // 1-based in the text; 0 if unknown
  int column = 0;
  std::string message;  // without location: "expected a duration such as 90s, 15m, 2h, 1d, got 'x'"
  std::string text;     // with location, as the loader prints it: "huber.yaml:7:11: key '...': ..."
};

struct SettingsCheck {
  std::optional<FirmConfig> firm;    // set if and only if there are no errors
  std::vector<SettingsError> errors;  // in the order found (at most kMaxSettingsErrors)
  // With errors: the settings as parsed once the bad keys were removed (their
  // defaults in place), if that parsed; a live preview shows the rest with it.
  std::optional<FirmConfig> repaired;
  bool ok() const { return errors.empty(); }
};

inline constexpr int kMaxSettingsErrors = 50;

// `source` names the text in messages (a file path, or "firm huber (settings)").
SettingsCheck CheckFirmSettings(const std::string& yaml, const std::string& source);

// [{"key", "line", "column", "message"}], for the web layer to return as is.
nlohmann::json ToJson(const std::vector<SettingsError>& errors);

}  // namespace kehrbote
