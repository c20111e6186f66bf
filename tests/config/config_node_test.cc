#include "shared/config/config_node.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/environment_variable.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Runs `f` and returns the ConfigError it throws; fails the test if none.
template <typename F>
ConfigError ErrorOf(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError";
  return ConfigError("", 0, 0, "", "none");
}

class TempDir {
 public:
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = (std::filesystem::path(dir_.path()) / name).string();
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return dir_.path(); }

 private:
  test::TempDir dir_{"kehrbote-config-"};
};

TEST(ConfigNodeTest, ReadsTypedValues) {
  auto root = ConfigNode::LoadString(
      "name: Huber\n"
      "upload:\n"
      "  host: sftp.example.at\n"
      "  port: 2222\n"
      "  enabled: yes\n"
      "  interval: 1d12h\n"
      "  retry: 90s\n"
      "  quiet_from: \"21:30\"\n"
      "  quiet_to: 07:05\n"
      "  mode: gsm7\n"
      "  ratio: 0.5\n"
      "  hosts: [a, b]\n",
      "agent.yaml");
  EXPECT_EQ(root.RequireString("name"), "Huber");
  auto up = root.Child("upload");
  EXPECT_EQ(up.path(), "upload");
  EXPECT_EQ(up.RequireString("host"), "sftp.example.at");
  EXPECT_EQ(up.Integer("port", 22, 1, 65535), 2222);
  EXPECT_EQ(up.Integer("absent", 22, 1, 65535), 22);
  EXPECT_TRUE(up.Bool("enabled", false));
  EXPECT_EQ(up.Duration("interval", seconds(0)), hours(36));
  EXPECT_EQ(up.Duration("retry", seconds(0)), seconds(90));
  EXPECT_EQ(up.OptionalTimeOfDay("quiet_from"), minutes(21 * 60 + 30));
  EXPECT_EQ(up.OptionalTimeOfDay("quiet_to"), minutes(7 * 60 + 5));
  EXPECT_EQ(up.OptionalTimeOfDay("nothing"), std::nullopt);
  EXPECT_EQ(up.Choice("mode", {"gsm7", "ucs2"}, "ucs2"), "gsm7");
  EXPECT_DOUBLE_EQ(up.Number("ratio", 1.0), 0.5);
  EXPECT_EQ(up.StringList("hosts"), (std::vector<std::string>{"a", "b"}));
  EXPECT_NO_THROW(up.Finish());
  EXPECT_NO_THROW(root.Finish());
}

TEST(ConfigNodeTest, DurationForms) {
  auto root = ConfigNode::LoadString("a: 15m\nb: 2h\nc: 1d\nd: 1h30m\ne: 30m1h\nf: 90\n", "d.yaml");
  EXPECT_EQ(root.Duration("a", seconds(0)), minutes(15));
  EXPECT_EQ(root.Duration("b", seconds(0)), hours(2));
  EXPECT_EQ(root.Duration("c", seconds(0)), hours(24));
  EXPECT_EQ(root.Duration("d", seconds(0)), minutes(90));
  auto e = ErrorOf([&] { root.Duration("e", seconds(0)); });
  EXPECT_EQ(e.key(), "e");
  EXPECT_EQ(e.line(), 5);
  EXPECT_NE(std::string(e.what()).find("got '30m1h'"), std::string::npos) << e.what();
  EXPECT_THROW(root.Duration("f", seconds(0)), ConfigError);  // a unit is required
}

TEST(ConfigNodeTest, WrongTypeNamesFileLineColumnKeyAndValue) {
  auto root = ConfigNode::LoadString(
      "upload:\n"
      "  host: sftp.example.at\n"
      "  port: ssh\n",
      "/etc/kehrbote/agent.yaml");
  auto e = ErrorOf([&] { root.Child("upload").Integer("port", 22, 1, 65535); });
  EXPECT_EQ(e.file(), "/etc/kehrbote/agent.yaml");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 9);
  EXPECT_EQ(e.key(), "upload.port");
  EXPECT_STREQ(e.what(),
               "/etc/kehrbote/agent.yaml:3:9: key 'upload.port': expected an integer from 1 to "
               "65535, got 'ssh'");
}

TEST(ConfigNodeTest, OutOfRangeAndBadValues) {
  auto root = ConfigNode::LoadString(
      "port: 70000\nflag: maybe\nat: \"25:00\"\nmode: utf8\nlist: x\nsub: 3\n", "c.yaml");
  EXPECT_EQ(ErrorOf([&] { root.Integer("port", 1, 1, 65535); }).line(), 1);
  auto flag = ErrorOf([&] { root.Bool("flag", false); });
  EXPECT_EQ(flag.line(), 2);
  EXPECT_EQ(flag.column(), 7);
  EXPECT_NE(std::string(flag.what()).find("expected true or false, got 'maybe'"),
            std::string::npos);
  auto at = ErrorOf([&] { root.OptionalTimeOfDay("at"); });
  EXPECT_EQ(at.line(), 3);
  EXPECT_EQ(at.key(), "at");
  auto mode = ErrorOf([&] { root.Choice("mode", {"gsm7", "ucs2"}, "gsm7"); });
  EXPECT_NE(std::string(mode.what()).find("one of 'gsm7', 'ucs2', got 'utf8'"), std::string::npos)
      << mode.what();
  EXPECT_EQ(ErrorOf([&] { root.StringList("list"); }).line(), 5);
  auto sub = ErrorOf([&] { root.Child("sub"); });
  EXPECT_EQ(sub.key(), "sub");
  EXPECT_NE(std::string(sub.what()).find("expected a mapping, got '3'"), std::string::npos);
}

TEST(ConfigNodeTest, MissingRequiredKeyNamesTheKeyAndTheEnclosingMapping) {
  auto root = ConfigNode::LoadString("firm:\n  name: Huber\n", "f.yaml");
  auto e = ErrorOf([&] { root.Child("firm").RequireString("timezone"); });
  EXPECT_EQ(e.key(), "firm.timezone");
  EXPECT_EQ(e.line(), 2);  // where the mapping 'firm' begins
  EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
}

TEST(ConfigNodeTest, TypoKeyIsRejectedWithASuggestion) {
  auto root = ConfigNode::LoadString(
      "upload:\n"
      "  host: h\n"
      "  prot: 22\n",
      "agent.yaml");
  auto up = root.Child("upload");
  up.RequireString("host");
  up.Integer("port", 22, 1, 65535);
  auto e = ErrorOf([&] { up.Finish(); });
  EXPECT_EQ(e.key(), "upload.prot");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 3);
  EXPECT_STREQ(e.what(), "agent.yaml:3:3: key 'upload.prot': unknown key (did you mean 'port'?)");
}

TEST(ConfigNodeTest, UnknownTopLevelSectionIsRejected) {
  auto root = ConfigNode::LoadString("firm: {}\nextra:\n  a: 1\n", "a.yaml");
  root.Child("firm").Finish();
  auto e = ErrorOf([&] { root.Finish(); });
  EXPECT_EQ(e.key(), "extra");
  EXPECT_EQ(e.line(), 2);
}

TEST(ConfigNodeTest, DuplicateKeyIsRejected) {
  auto root = ConfigNode::LoadString("a: 1\na: 2\n", "dup.yaml");
  root.Integer("a", 0, 0, 9);
  auto e = ErrorOf([&] { root.Finish(); });
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.key(), "a");
}

TEST(ConfigNodeTest, SequenceElementsHaveIndexedPaths) {
  auto root = ConfigNode::LoadString(
      "rules:\n"
      "  - lead: 1d\n"
      "  - lead: 2h\n"
      "  - lead: soon\n"
      "  - lead: 1h\n"
      "    laed: 2h\n",
      "r.yaml");
  auto rules = root.Children("rules");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[1].Duration("lead", seconds(0)), hours(2));
  auto e = ErrorOf([&] { rules[2].Duration("lead", seconds(0)); });
  EXPECT_EQ(e.key(), "rules[2].lead");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.column(), 11);
  rules[3].Duration("lead", seconds(0));
  auto typo = ErrorOf([&] { rules[3].Finish(); });
  EXPECT_EQ(typo.key(), "rules[3].laed");
  EXPECT_EQ(typo.line(), 6);
  EXPECT_NO_THROW(root.Finish());
}

TEST(ConfigNodeTest, FreeKeysAndScalars) {
  auto root = ConfigNode::LoadString(
      "templates:\n  reminder: {text: a}\n  change: {text: b}\nnames: [x, y]\n", "t.yaml");
  auto t = root.Child("templates");
  auto keys = t.Keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"reminder", "change"}));
  EXPECT_EQ(t.Child("change").RequireString("text"), "b");
  auto names = root.Children("names");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[1].Scalar(), "y");
  EXPECT_NO_THROW(t.Finish());
  EXPECT_NO_THROW(root.Finish());
}

TEST(ConfigNodeTest, FailPointsAtTheKey) {
  auto root = ConfigNode::LoadString("a:\n  zone: Europe/Wien\n", "z.yaml");
  auto a = root.Child("a");
  auto e = ErrorOf([&] { a.Fail("zone", "unknown time zone 'Europe/Wien'"); });
  EXPECT_STREQ(e.what(), "z.yaml:2:9: key 'a.zone': unknown time zone 'Europe/Wien'");
}

TEST(ConfigNodeTest, SecretInline) {
  auto root = ConfigNode::LoadString("db:\n  password: s3cret\n", "s.yaml");
  auto db = root.Child("db");
  EXPECT_EQ(db.Secret("password"), "s3cret");
  EXPECT_EQ(db.Secret("token"), std::nullopt);
  EXPECT_NO_THROW(db.Finish());
}

TEST(ConfigNodeTest, SecretFromEnvironment) {
  test::SetEnvVariable("KEHRBOTE_TEST_SECRET", "from-env");
  test::SetEnvVariable("KEHRBOTE_TEST_UNSET", nullptr);
  auto root = ConfigNode::LoadString(
      "a:\n  password_env: KEHRBOTE_TEST_SECRET\nb:\n  password_env: KEHRBOTE_TEST_UNSET\n",
      "s.yaml");
  auto a = root.Child("a");
  EXPECT_EQ(a.Secret("password"), "from-env");
  EXPECT_NO_THROW(a.Finish());
  auto e = ErrorOf([&] { root.Child("b").Secret("password"); });
  EXPECT_EQ(e.key(), "b.password_env");
  EXPECT_EQ(e.line(), 4);
  EXPECT_NE(std::string(e.what()).find("'KEHRBOTE_TEST_UNSET' is not set"), std::string::npos);
}

TEST(ConfigNodeTest, SecretFromFileRelativeToTheConfig) {
  TempDir dir;
  dir.Write("pw.txt", "from-file\nsecond line ignored\n");
  std::string config = dir.Write("agent.yaml",
                                 "upload:\n"
                                 "  password_file: pw.txt\n"
                                 "other:\n"
                                 "  password_file: missing.txt\n");
  auto root = ConfigNode::LoadFile(config);
  EXPECT_EQ(root.Child("upload").Secret("password"), "from-file");
  auto e = ErrorOf([&] { root.Child("other").Secret("password"); });
  EXPECT_EQ(e.file(), config);
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.key(), "other.password_file");
  EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
}

TEST(ConfigNodeTest, SecretGivenTwiceIsAnError) {
  auto root = ConfigNode::LoadString("password: x\npassword_env: HOME\n", "s.yaml");
  auto e = ErrorOf([&] { root.Secret("password"); });
  EXPECT_EQ(e.key(), "password_env");
  EXPECT_EQ(e.line(), 2);
  EXPECT_NE(std::string(e.what()).find("only one way"), std::string::npos);
}

TEST(ConfigNodeTest, OptionalPathIsResolvedAgainstTheConfigDirectory) {
  auto root = ConfigNode::LoadString("out: ../spool/out\nabs: /var/x\n", "/etc/kehrbote/a.yaml");
  // Compared as paths: the Windows build writes them with backslashes.
  EXPECT_EQ(std::filesystem::path(*root.OptionalPath("out")), std::filesystem::path("/etc/spool/out"));
  EXPECT_EQ(std::filesystem::path(*root.OptionalPath("abs")), std::filesystem::path("/var/x"));
  EXPECT_EQ(root.OptionalPath("none"), std::nullopt);
}

TEST(ConfigNodeTest, YamlSyntaxErrorHasLocation) {
  TempDir dir;
  std::string config = dir.Write("bad.yaml",
                                 "firm:\n"
                                 "  name: Huber\n"
                                 "  phone: [0664, 123\n"
                                 "other: 1\n");
  auto e = ErrorOf([&] { ConfigNode::LoadFile(config); });
  EXPECT_EQ(e.file(), config);
  EXPECT_GT(e.line(), 2);
  EXPECT_GT(e.column(), 0);
  EXPECT_NE(std::string(e.what()).find("YAML syntax error"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).rfind(config + ":", 0), 0u) << e.what();
}

TEST(ConfigNodeTest, BadIndentationIsASyntaxError) {
  auto e = ErrorOf([] { ConfigNode::LoadString("a:\n  b: 1\n c: 2\n", "i.yaml"); });
  EXPECT_EQ(e.line(), 3);
}

TEST(ConfigNodeTest, MissingFileAndNonMappingRoot) {
  auto e = ErrorOf([] { ConfigNode::LoadFile("/nonexistent/kehrbote.yaml"); });
  EXPECT_EQ(e.file(), "/nonexistent/kehrbote.yaml");
  EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos);
  EXPECT_THROW(ConfigNode::LoadString("- a\n- b\n", "l.yaml"), ConfigError);
  // An empty file means "all defaults".
  auto empty = ConfigNode::LoadString("", "e.yaml");
  EXPECT_EQ(empty.Integer("x", 5, 0, 9), 5);
  EXPECT_NO_THROW(empty.Finish());
}

TEST(ConfigNodeTest, NullValueCountsAsAbsent) {
  auto root = ConfigNode::LoadString("port:\nupload:\n", "n.yaml");
  EXPECT_EQ(root.Integer("port", 22, 1, 65535), 22);
  EXPECT_FALSE(root.Has("port"));
  EXPECT_EQ(root.Child("upload").String("host", "default"), "default");
  EXPECT_NO_THROW(root.Finish());
}

}  // namespace
}  // namespace kehrbote
