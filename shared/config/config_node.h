// ConfigNode: typed, validated access to one YAML mapping of a config file.
//
// Every error names the file, line, column, the full key path and what was
// expected, e.g.
//   /etc/kehrbote/agent.yaml:12:5: key 'upload.port': expected an integer from 1 to 65535, got 'ssh'
// Keys are strict: after reading a mapping, call Finish(); any key that was not
// asked for is reported as unknown (a typo must not be silently ignored).
//
// Text: a config file is UTF-8. Invalid UTF-8 (a file saved as Windows-1252)
// and control characters other than tab, LF and CR (a NUL, ESC, C1 codes) are
// errors at load with line and column, before any value is read.
//
// Secrets: Secret("password") accepts exactly one of `password: ...`,
// `password_file: PATH` (first line, trailing newline stripped; a relative path
// is relative to the config file) or `password_env: NAME`. Giving more than one
// form is an error; so is an unset or empty variable, or an unreadable or empty file.
//
// Paths of sequence elements are written with their index: "rules[2].lead".
// A key whose value is null (`port:` with nothing after it) counts as absent.
// Reading a key marks it as known even when it is absent, so Finish() accepts
// exactly the keys the program asked for (for Secret: key, key_file, key_env).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace kehrbote {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string key, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based; 0 if unknown
  int column() const { return column_; }  // 1-based; 0 if unknown
  const std::string& key() const { return key_; }

 private:
  std::string file_;
  int line_, column_;
  std::string key_;
};

class ConfigNode {
 public:
  // Loads and parses a YAML file; the root must be a mapping.
  // Throws ConfigError (with the YAML parser's line and column on syntax errors).
  static ConfigNode LoadFile(const std::string& path);
  // Parses YAML text; `file` is the name used in messages.
  static ConfigNode LoadString(const std::string& yaml, const std::string& file);
  // The root mapping of an already parsed document (its marks give the lines of
  // the text it was parsed from). Used to parse a document again after removing
  // a bad key (dispatcher/settings/settings_check.h). Throws ConfigError if the
  // root is not a mapping.
  static ConfigNode FromYaml(YAML::Node root, const std::string& file);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }  // "upload.port", "" for the root
  bool Has(const std::string& key) const;
  bool IsMap() const;
  bool IsSequence() const;

  std::string RequireString(const std::string& key) const;
  std::string String(const std::string& key, const std::string& fallback) const;
  std::optional<std::string> OptionalString(const std::string& key) const;
  int64_t Integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  double Number(const std::string& key, double fallback) const;
  bool Bool(const std::string& key, bool fallback) const;
  // A duration written "90s", "15m", "2h", "1d" or a combination such as "1d12h".
  std::chrono::seconds Duration(const std::string& key, std::chrono::seconds fallback) const;
  std::optional<std::chrono::seconds> OptionalDuration(const std::string& key) const;
  // A local time of day "HH:MM", as minutes since midnight.
  std::optional<std::chrono::minutes> OptionalTimeOfDay(const std::string& key) const;
  // One of `allowed`; the error lists them.
  std::string Choice(const std::string& key, const std::vector<std::string>& allowed,
                     const std::string& fallback) const;
  std::vector<std::string> StringList(const std::string& key) const;
  // See the header comment; empty optional if none of the three forms is present.
  std::optional<std::string> Secret(const std::string& key) const;
  // A path; relative paths are resolved against the config file's directory.
  std::optional<std::string> OptionalPath(const std::string& key) const;

  // Child mapping; an absent key yields an empty mapping (so defaults apply).
  ConfigNode Child(const std::string& key) const;
  // Elements of a sequence of mappings (or scalars); absent key -> empty.
  std::vector<ConfigNode> Children(const std::string& key) const;
  // For a mapping whose keys are free names (e.g. templates by name).
  std::vector<std::string> Keys() const;
  // The scalar value of this node itself (for sequences of scalars).
  std::string Scalar() const;

  // Throws ConfigError for the first key of this mapping that was never asked for.
  // Children are checked when their own Finish() is called.
  void Finish() const;

  // An error located at `key` of this node (or at this node if key is empty).
  [[noreturn]] void Fail(const std::string& key, const std::string& message) const;

 private:
  ConfigNode(YAML::Node node, YAML::Mark mark, std::string file, std::string path,
             std::shared_ptr<std::set<std::string>> seen);
  // The value at `key` (marked as asked for); an undefined node if absent or null.
  YAML::Node Get(const std::string& key) const;
  std::string KeyPath(const std::string& key) const;
  // The scalar at `key`, or nullopt if absent; an error if it is not a scalar.
  std::optional<std::string> ScalarAt(const std::string& key, const char* expected) const;
  [[noreturn]] void FailAt(const YAML::Node& at, const std::string& key_path,
                           const std::string& message) const;

  YAML::Node node_;
  YAML::Mark mark_;  // where this node is (for an absent child: where its parent is)
  std::string file_;
  std::string path_;
  // Key paths asked for, shared by all nodes of one file.
  std::shared_ptr<std::set<std::string>> seen_;
};

}  // namespace kehrbote
