// Key paths into a settings document: split, and the node they lead to, also
// when a key or index is absent (an undefined node, never an exception).
#include "dispatcher/settings/settings_key_path.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

std::string At(const YAML::Node& root, const std::string& path) {
  const std::vector<PathStep> steps = SplitKeyPath(path);
  const YAML::Node n = NodeAt(root, steps, steps.size());
  if (n.Type() == YAML::NodeType::Undefined) return "(none)";
  return n.IsScalar() ? n.Scalar() : "(not a scalar)";
}

TEST(SettingsKeyPathTest, SplitsKeysAndIndexes) {
  EXPECT_EQ(SplitKeyPath("rules[1].lead"),
            (std::vector<PathStep>{std::string("rules"), size_t{1}, std::string("lead")}));
}

TEST(SettingsKeyPathTest, FindsPresentNodesAndAnswersUndefinedForAbsentOnes) {
  const YAML::Node root = YAML::Load("id: huber\nrules:\n  - {name: a, lead: 1d}\n");
  EXPECT_EQ(At(root, "rules[0].lead"), "1d");
  EXPECT_EQ(At(root, "sender_name"), "(none)");  // an absent key of the document
  EXPECT_EQ(At(root, "quiet_hours.from"), "(none)");
  EXPECT_EQ(At(root, "rules[0].at"), "(none)");
  EXPECT_EQ(At(root, "rules[3].lead"), "(none)");
  EXPECT_EQ(At(root, "id.x"), "(none)");  // below a scalar
}

}  // namespace
}  // namespace kehrbote
