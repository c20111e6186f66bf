#include "dispatcher/settings/settings_edit.h"

#include <yaml-cpp/yaml.h>

#include "dispatcher/settings/settings_key_path.h"
#include "shared/config/config_node.h"

namespace kehrbote {
namespace {

[[noreturn]] void Fail(const std::string& key, const std::string& message) {
  throw ConfigError("settings", 0, 0, key, message);
}

// Sets (or with nullopt removes) the scalar at `key` in `root`.
void Apply(YAML::Node& root, const std::string& key, const std::optional<std::string>& value) {
  const std::vector<PathStep> steps = SplitKeyPath(key);
  if (steps.empty()) Fail(key, "not a key path");
  YAML::Node at;
  at.reset(root);
  for (size_t i = 0; i < steps.size(); ++i) {
    const bool last = i + 1 == steps.size();
    if (const auto* name = std::get_if<std::string>(&steps[i])) {
      if (!at.IsMap() && !at.IsNull()) Fail(key, "'" + *name + "' is not inside a mapping");
      if (last) {
        if (value) {
          at[*name] = *value;
        } else if (at.IsMap()) {
          at.remove(*name);
        }
        return;
      }
      const YAML::Node& view = at;
      if (!view[*name].IsDefined() || view[*name].IsNull()) {
        if (!value) return;  // nothing to remove
        at[*name] = YAML::Node(std::holds_alternative<size_t>(steps[i + 1])
                                   ? YAML::NodeType::Sequence
                                   : YAML::NodeType::Map);
      }
      YAML::Node next = at[*name];
      at.reset(next);
      continue;
    }
    const size_t index = std::get<size_t>(steps[i]);
    if (!at.IsSequence()) Fail(key, "not a list");
    if (index > at.size()) Fail(key, "a list element may only be appended at its end");
    if (last) {
      if (!value) Fail(key, "a list element is removed with its list (edit the whole list)");
      if (index == at.size()) {
        at.push_back(*value);
      } else {
        at[index] = *value;
      }
      return;
    }
    if (index == at.size()) {
      if (!value) return;
      at.push_back(YAML::Node(YAML::NodeType::Map));
    }
    YAML::Node next = at[index];
    at.reset(next);
  }
}

}  // namespace

std::string EditFirmSettings(const std::string& yaml, const SettingsValues& values) {
  ConfigNode::LoadString(yaml, "settings");  // encoding, syntax, a mapping at the top
  YAML::Node root = YAML::Load(yaml);
  if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
  for (const auto& [key, value] : values) Apply(root, key, value);
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kehrbote
