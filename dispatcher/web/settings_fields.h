// The Settings page's form fields for the values firms change most (sender
// name, quiet hours, channel policy, each rule's lead time), beside the YAML
// editor. Each field's name is the key path SettingsError::key uses
// ("rules[1].lead"), so an error of the loader comes back at its field, and
// the posted values are applied with EditFirmSettings (settings_edit.h):
// rewritten YAML, then saved like the editor's text.
// Pure. Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dispatcher/settings/settings_edit.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

struct SettingsField {
  std::string key;                                           // "quiet_hours.from"
  std::string label;                                         // German
  std::string type;                                          // "text", "time" or "select"
  std::vector<std::pair<std::string, std::string>> choices;  // select: value, German label
  std::string value;  // as written in the YAML; "" when absent (the default applies)
};

// The fields of `yaml` with its values: sender_name, quiet_hours.from/.to,
// channel_policy, and rules[i].lead of every rule the text has. A text that is
// not YAML has the fields without values.
std::vector<SettingsField> CommonSettingsFields(const std::string& yaml);

// The fields whose posted value (trimmed) differs from the field's value; an
// emptied field removes its key (the default applies), one not posted at all
// stays as it is.
SettingsValues ChangedSettingsValues(const std::vector<SettingsField>& fields,
                                     const WebRequest& posted);

}  // namespace kehrbote
