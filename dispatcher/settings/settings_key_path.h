// Key paths into a firm's settings document, as ConfigNode writes them
// ("rules[1].lead", "templates.sms_reminder"): split into steps, and the node a
// path leads to. Shared by the check (settings_check.h) and the form edit
// (settings_edit.h). Pure.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace kehrbote {

// One step of a key path: a mapping key or a sequence index.
using PathStep = std::variant<std::string, size_t>;

// "rules[1].lead" -> {"rules", 1, "lead"}; {} if malformed.
std::vector<PathStep> SplitKeyPath(const std::string& path);

// The node at the first `count` steps of `root`; an undefined node if there is
// none. Never creates entries and never rebinds a node of the tree.
YAML::Node NodeAt(const YAML::Node& root, const std::vector<PathStep>& steps, size_t count);

}  // namespace kehrbote
