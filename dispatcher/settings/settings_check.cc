#include "dispatcher/settings/settings_check.h"

#include <algorithm>
#include <variant>

#include <yaml-cpp/yaml.h>

#include "dispatcher/settings/settings_key_path.h"

namespace kehrbote {
namespace {

// Removes the node at `steps` from `root`; false if there is none.
bool RemoveAt(const YAML::Node& root, const std::vector<PathStep>& steps) {
  if (steps.empty()) return false;
  YAML::Node parent = NodeAt(root, steps, steps.size() - 1);
  if (!parent.IsDefined()) return false;
  if (const auto* key = std::get_if<std::string>(&steps.back())) {
    const YAML::Node& view = parent;
    if (!view.IsMap() || !view[*key].IsDefined()) return false;
    return parent.remove(*key);
  }
  // A sequence element: yaml-cpp cannot erase one, so the sequence is rebuilt
  // without it and put in its place in the mapping that holds it.
  const size_t index = std::get<size_t>(steps.back());
  if (!parent.IsSequence() || index >= parent.size() || steps.size() < 2) return false;
  const auto* sequence_key = std::get_if<std::string>(&steps[steps.size() - 2]);
  YAML::Node holder = NodeAt(root, steps, steps.size() - 2);
  if (!sequence_key || !holder.IsMap()) return false;
  YAML::Node rest(YAML::NodeType::Sequence);
  for (size_t i = 0; i < parent.size(); ++i)
    if (i != index) rest.push_back(parent[i]);
  holder[*sequence_key] = rest;
  return true;
}

// Sequence elements already removed shift the later ones down; report the index
// the text has. `removed` holds, per sequence path, the original indexes removed.
std::string OriginalKeyPath(const std::string& key,
                            const std::vector<std::pair<std::string, size_t>>& removed) {
  std::string out;
  size_t i = 0;
  while (i < key.size()) {
    const size_t open = key.find('[', i);
    if (open == std::string::npos) break;
    const size_t close = key.find(']', open);
    if (close == std::string::npos) break;
    const std::string sequence = key.substr(0, open);
    size_t index = std::stoul(key.substr(open + 1, close - open - 1));
    std::vector<size_t> gone;
    for (const auto& [path, n] : removed)
      if (path == sequence) gone.push_back(n);
    std::sort(gone.begin(), gone.end());
    for (size_t n : gone)
      if (n <= index) ++index;
    out += key.substr(i, open - i) + "[" + std::to_string(index) + "]";
    i = close + 1;
  }
  return out + key.substr(i);
}

SettingsError ToSettingsError(const ConfigError& e, const std::string& key) {
  // what() is "file:line:col: key 'k': message"; keep the message alone too.
  const std::string prefix_end = e.key().empty() ? ": " : "key '" + e.key() + "': ";
  std::string text = e.what();
  std::string message = text;
  if (const size_t at = text.find(prefix_end); at != std::string::npos)
    message = text.substr(at + prefix_end.size());
  if (key != e.key()) {
    // Report the key as written in the text (sequence indexes before removals).
    const std::string from = "key '" + e.key() + "'";
    if (const size_t at = text.find(from); at != std::string::npos)
      text.replace(at, from.size(), "key '" + key + "'");
  }
  return {key, e.line(), e.column(), message, text};
}

}  // namespace

SettingsCheck CheckFirmSettings(const std::string& yaml, const std::string& source) {
  SettingsCheck check;
  YAML::Node root;
  try {
    ConfigNode::LoadString(yaml, source);  // encoding, syntax, a mapping at the top
    root = YAML::Load(yaml);
  } catch (const ConfigError& e) {
    check.errors.push_back(ToSettingsError(e, e.key()));
    return check;
  }
  std::vector<std::pair<std::string, size_t>> removed;  // sequence path, original index
  std::vector<std::string> seen;                        // keys reported
  while (static_cast<int>(check.errors.size()) < kMaxSettingsErrors) {
    try {
      FirmConfig firm = ParseFirmConfig(ConfigNode::FromYaml(root, source));
      (check.errors.empty() ? check.firm : check.repaired) = std::move(firm);
      return check;
    } catch (const ConfigError& e) {
      const std::string key = OriginalKeyPath(e.key(), removed);
      // Back after its key was removed (a required key): nothing more to learn.
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) return check;
      seen.push_back(key);
      check.errors.push_back(ToSettingsError(e, key));
      // An error inside a sequence element (a rule) removes the whole element:
      // without its bad key the rule would fail again as a whole, one error twice.
      const size_t close = e.key().find(']');
      const std::string target = close == std::string::npos ? e.key() : e.key().substr(0, close + 1);
      if (!RemoveAt(root, SplitKeyPath(target))) return check;
      if (close != std::string::npos) {
        // Later errors in that sequence are counted from the text's indexes.
        const std::string original = OriginalKeyPath(target, removed);
        removed.push_back({target.substr(0, target.rfind('[')),
                           std::stoul(original.substr(original.rfind('[') + 1))});
      }
    }
  }
  return check;
}

nlohmann::json ToJson(const std::vector<SettingsError>& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const SettingsError& e : errors)
    out.push_back({{"key", e.key}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
  return out;
}

}  // namespace kehrbote
