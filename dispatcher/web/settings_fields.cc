#include "dispatcher/web/settings_fields.h"

#include <yaml-cpp/yaml.h>

#include "dispatcher/settings/settings_key_path.h"

namespace kehrbote {
namespace {

// The scalar at `key` of `root`, "" if there is none.
std::string ScalarAt(const YAML::Node& root, const std::string& key) {
  const std::vector<PathStep> steps = SplitKeyPath(key);
  const YAML::Node n = NodeAt(root, steps, steps.size());
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : "";
}

}  // namespace

SettingsValues ChangedSettingsValues(const std::vector<SettingsField>& fields,
                                     const WebRequest& posted) {
  SettingsValues out;
  for (const SettingsField& f : fields) {
    if (!posted.params.count(f.key)) continue;  // not in the form: unchanged
    const std::string v = posted.TrimmedParam(f.key);
    if (v == f.value) continue;
    out.emplace_back(f.key, v.empty() ? std::nullopt : std::optional<std::string>(v));
  }
  return out;
}

std::vector<SettingsField> CommonSettingsFields(const std::string& yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception&) {
    // The editor shows the syntax error; the fields stay empty.
  }
  std::vector<SettingsField> out = {
      {"sender_name", "Absender der SMS (höchstens 11 Zeichen)", "text", {}, ""},
      {"quiet_hours.from", "Ruhezeit von", "time", {}, ""},
      {"quiet_hours.to", "Ruhezeit bis", "time", {}, ""},
      {"channel_policy",
       "Kanäle, wenn der Kunde Handynummer und E-Mail hat",
       "select",
       {{"", "Standard (beide)"},
        {"both", "SMS und E-Mail"},
        {"sms-first", "zuerst SMS (E-Mail nur ohne Handynummer)"},
        {"email-first", "zuerst E-Mail (SMS nur ohne E-Mail-Adresse)"}},
       ""}};
  const YAML::Node rules = root.IsMap() ? root["rules"] : YAML::Node();
  if (rules.IsSequence()) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const std::string at = "rules[" + std::to_string(i) + "]";
      const std::string name = ScalarAt(root, at + ".name");
      out.push_back({at + ".lead",
                     "Vorlaufzeit der Regel " + (name.empty() ? std::to_string(i + 1) : name) +
                         " (z. B. 1d, 2d, 12h)",
                     "text",
                     {},
                     ""});
    }
  }
  if (root.IsMap())
    for (SettingsField& f : out) f.value = ScalarAt(root, f.key);
  return out;
}

}  // namespace kehrbote
