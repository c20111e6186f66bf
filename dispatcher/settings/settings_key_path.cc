#include "dispatcher/settings/settings_key_path.h"

namespace kehrbote {

// "rules[1].lead" -> {"rules", 1, "lead"}.
std::vector<PathStep> SplitKeyPath(const std::string& path) {
  std::vector<PathStep> steps;
  std::string name;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.' || c == '[') {
      if (!name.empty()) steps.push_back(name);
      name.clear();
      if (c == '[') {
        const size_t close = path.find(']', i);
        if (close == std::string::npos) return {};
        const size_t index = std::stoul(path.substr(i + 1, close - i - 1));
        // In place: a temporary variant pushed here makes GCC 12 warn, wrongly, that its
        // string alternative may be used uninitialised (-Wmaybe-uninitialized at -O2).
        steps.emplace_back(std::in_place_type<size_t>, index);
        i = close;
      }
    } else {
      name += c;
    }
  }
  if (!name.empty()) steps.push_back(name);
  return steps;
}

// The node at `steps` of `root`; an undefined node if there is none. Never
// creates entries (const access) and never rebinds a node of the tree (reset).
YAML::Node NodeAt(const YAML::Node& root, const std::vector<PathStep>& steps, size_t count) {
  YAML::Node at;
  at.reset(root);
  for (size_t i = 0; i < count; ++i) {
    const YAML::Node& view = at;
    // Not Node(): a default node is a defined null.
    YAML::Node next(YAML::NodeType::Undefined);
    if (const auto* key = std::get_if<std::string>(&steps[i])) {
      if (view.IsMap()) {
        // An absent key gives an invalid node, which reset() refuses.
        const YAML::Node child = view[*key];
        if (child.IsDefined()) next.reset(child);
      }
    } else if (view.IsSequence() && std::get<size_t>(steps[i]) < view.size()) {
      next.reset(view[std::get<size_t>(steps[i])]);
    }
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    at.reset(next);
  }
  return at;
}

}  // namespace kehrbote
