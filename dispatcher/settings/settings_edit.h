// EditFirmSettings: applies a form's values to a firm's settings text, for a
// page that edits fields rather than the YAML. The keys are the paths that
// SettingsError::key uses, so an error comes back at the field that set it.
//
//   std::string yaml = EditFirmSettings(current.yaml, {
//       {"rules[0].lead", "2d"},
//       {"templates.sms_reminder", "Kehrtermin <<Datum>> ..."},
//       {"quiet_hours.from", std::nullopt}});   // removed: the default applies
//   SaveFirmSettings(store, {.firm_id = ..., .yaml = yaml, ...}, now);
//
// A value is written as a YAML string scalar (the loader reads "2d", "18:00",
// "1000" from strings as from plain scalars). Missing mappings are created; a
// sequence element may be appended (index = size). The result is yaml-cpp's
// emitter output: keys keep their order, comments of the original are lost.
// Throws ConfigError (key = the path) on a YAML syntax error or a path that
// cannot be set (an index beyond the end + 1, a scalar where a mapping must be).
// Pure. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kehrbote {

using SettingsValues = std::vector<std::pair<std::string, std::optional<std::string>>>;

std::string EditFirmSettings(const std::string& yaml, const SettingsValues& values);

}  // namespace kehrbote
