#include "shared/config/config_node.h"

#include "shared/text/edit_distance.h"
#include "shared/text/utf8.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace kehrbote {

namespace {

std::string BuildMessage(const std::string& file, int line, int column, const std::string& key,
                         const std::string& message) {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": ";
  if (!key.empty()) out += "key '" + key + "': ";
  out += message;
  return out;
}

// How a value is shown in "got ...": the text of a scalar, the kind otherwise.
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: {
      std::string s = node.Scalar();
      if (s.size() > 60) s = s.substr(0, 57) + "...";
      return "'" + s + "'";
    }
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    default:
      return "nothing";
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || b == e) return std::nullopt;
  return v;
}

// "90s", "15m", "2h", "1d", "1d12h": units in the order d, h, m, s, each at most once.
std::optional<std::chrono::seconds> ParseDuration(const std::string& s) {
  static constexpr struct {
    char unit;
    int64_t seconds;
  } kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  size_t i = 0;
  size_t next_unit = 0;
  int64_t total = 0;
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    size_t digits_begin = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == digits_begin || i == s.size() || i - digits_begin > 9) return std::nullopt;
    int64_t n = std::stoll(s.substr(digits_begin, i - digits_begin));
    char unit = s[i++];
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].unit != unit) ++u;
    if (u == std::size(kUnits)) return std::nullopt;  // unknown unit or out of order
    next_unit = u + 1;
    total += n * kUnits[u].seconds;
  }
  return std::chrono::seconds(total);
}


// Config files are UTF-8 text. A file saved as Windows-1252 ("Grüber" as 0xFC)
// or holding a NUL or another control character would load and only fail
// later, wherever the value is used, without naming the file: refuse it here
// with its line and column. Tab, LF and CR are the only control characters
// allowed; U+FEFF (a byte order mark) passes as any other character.
void CheckEncoding(const std::string& text, const std::string& file) {
  int line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    const Utf8Sequence s = DecodeUtf8Sequence(std::string_view(text).substr(i));
    if (s.error != nullptr) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(text[i]));
      throw ConfigError(file, line, column, "",
                        std::string("invalid UTF-8 (byte ") + hex +
                            "); save the file as UTF-8 (it looks like Windows-1252 or Latin-1)");
    }
    const char32_t cp = s.code_point;
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F)) {
      char code[12];
      std::snprintf(code, sizeof(code), "U+%04X", static_cast<unsigned>(cp));
      throw ConfigError(file, line, column, "",
                        std::string("control character ") + code + " in the file; remove it");
    }
    if (cp == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += s.length;
  }
}

// Get() returns a null node for an absent key.
bool IsAbsent(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }

constexpr char kDurationExpected[] = "a duration such as 90s, 15m, 2h, 1d or 1d12h";

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string key,
                         std::string message)
    : std::runtime_error(BuildMessage(file, line, column, key, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)) {}

ConfigNode::ConfigNode(YAML::Node node, YAML::Mark mark, std::string file, std::string path,
                       std::shared_ptr<std::set<std::string>> seen)
    : node_(std::move(node)),
      mark_(mark),
      file_(std::move(file)),
      path_(std::move(path)),
      seen_(std::move(seen)) {}

ConfigNode ConfigNode::LoadString(const std::string& yaml, const std::string& file) {
  CheckEncoding(yaml, file);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    int column = e.mark.is_null() ? 0 : e.mark.column + 1;
    throw ConfigError(file, line, column, "", "YAML syntax error: " + e.msg);
  }
  return FromYaml(root, file);
}

ConfigNode ConfigNode::FromYaml(YAML::Node root, const std::string& file) {
  if (root.IsNull() || !root.IsDefined()) {
    // An empty file is an empty mapping: every setting takes its default.
    root = YAML::Node(YAML::NodeType::Map);
  } else if (!root.IsMap()) {
    throw ConfigError(file, root.Mark().line + 1, root.Mark().column + 1, "",
                      "expected a mapping of settings at the top level, got " + Describe(root));
  }
  YAML::Mark mark = root.Mark().is_null() ? YAML::Mark() : root.Mark();
  return ConfigNode(root, mark, file, "", std::make_shared<std::set<std::string>>());
}

ConfigNode ConfigNode::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path, 0, 0, "", std::string("cannot read the file: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, 0, 0, "", "cannot read the file");
  return LoadString(text.str(), path);
}

std::string ConfigNode::KeyPath(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

YAML::Node ConfigNode::Get(const std::string& key) const {
  seen_->insert(KeyPath(key));
  if (!node_.IsMap()) return YAML::Node();
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      if (kv.second.IsNull()) return YAML::Node();
      return kv.second;
    }
  }
  return YAML::Node();
}

bool ConfigNode::Has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return !kv.second.IsNull();
  }
  return false;
}

bool ConfigNode::IsMap() const { return node_.IsMap(); }
bool ConfigNode::IsSequence() const { return node_.IsSequence(); }

void ConfigNode::FailAt(const YAML::Node& at, const std::string& key_path,
                        const std::string& message) const {
  YAML::Mark m = (!IsAbsent(at) && !at.Mark().is_null()) ? at.Mark() : mark_;
  if (m.is_null()) throw ConfigError(file_, 0, 0, key_path, message);
  throw ConfigError(file_, m.line + 1, m.column + 1, key_path, message);
}

void ConfigNode::Fail(const std::string& key, const std::string& message) const {
  YAML::Node at = key.empty() ? node_ : Get(key);
  FailAt(at, KeyPath(key), message);
}

std::optional<std::string> ConfigNode::ScalarAt(const std::string& key,
                                                const char* expected) const {
  YAML::Node v = Get(key);
  if (IsAbsent(v)) return std::nullopt;
  if (!v.IsScalar()) {
    FailAt(v, KeyPath(key), std::string("expected ") + expected + ", got " + Describe(v));
  }
  return v.Scalar();
}

std::string ConfigNode::RequireString(const std::string& key) const {
  auto s = ScalarAt(key, "a string");
  if (!s) FailAt(YAML::Node(), KeyPath(key), "is missing (expected a string)");
  return *s;
}

std::string ConfigNode::String(const std::string& key, const std::string& fallback) const {
  return ScalarAt(key, "a string").value_or(fallback);
}

std::optional<std::string> ConfigNode::OptionalString(const std::string& key) const {
  return ScalarAt(key, "a string");
}

int64_t ConfigNode::Integer(const std::string& key, int64_t fallback, int64_t min,
                            int64_t max) const {
  std::string expected =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  auto s = ScalarAt(key, expected.c_str());
  if (!s) return fallback;
  auto v = ParseInt(*s);
  if (!v || *v < min || *v > max) {
    FailAt(Get(key), KeyPath(key), "expected " + expected + ", got '" + *s + "'");
  }
  return *v;
}

double ConfigNode::Number(const std::string& key, double fallback) const {
  auto s = ScalarAt(key, "a number");
  if (!s) return fallback;
  const char* b = s->c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(b, &end);
  if (s->empty() || end != b + s->size() || errno == ERANGE) {
    FailAt(Get(key), KeyPath(key), "expected a number, got '" + *s + "'");
  }
  return v;
}

bool ConfigNode::Bool(const std::string& key, bool fallback) const {
  auto s = ScalarAt(key, "true or false");
  if (!s) return fallback;
  std::string l = Lower(*s);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  FailAt(Get(key), KeyPath(key), "expected true or false, got '" + *s + "'");
}

std::optional<std::chrono::seconds> ConfigNode::OptionalDuration(const std::string& key) const {
  auto s = ScalarAt(key, kDurationExpected);
  if (!s) return std::nullopt;
  auto d = ParseDuration(*s);
  if (!d) {
    FailAt(Get(key), KeyPath(key), std::string("expected ") + kDurationExpected + ", got '" +
                                       *s + "'");
  }
  return d;
}

std::chrono::seconds ConfigNode::Duration(const std::string& key,
                                          std::chrono::seconds fallback) const {
  return OptionalDuration(key).value_or(fallback);
}

std::optional<std::chrono::minutes> ConfigNode::OptionalTimeOfDay(const std::string& key) const {
  constexpr char kExpected[] = "a time of day HH:MM from 00:00 to 23:59";
  auto s = ScalarAt(key, kExpected);
  if (!s) return std::nullopt;
  // yaml-cpp keeps the scalar text as written, so "08:30" arrives unchanged.
  const std::string& t = *s;
  size_t colon = t.find(':');
  bool ok = colon != std::string::npos && (colon == 1 || colon == 2) && t.size() == colon + 3;
  int h = 0, m = 0;
  if (ok) {
    for (size_t i = 0; i < t.size(); ++i) {
      if (i != colon && !std::isdigit(static_cast<unsigned char>(t[i]))) ok = false;
    }
  }
  if (ok) {
    h = std::stoi(t.substr(0, colon));
    m = std::stoi(t.substr(colon + 1));
    ok = h <= 23 && m <= 59;
  }
  if (!ok) FailAt(Get(key), KeyPath(key), std::string("expected ") + kExpected + ", got '" + t + "'");
  return std::chrono::minutes(h * 60 + m);
}

std::string ConfigNode::Choice(const std::string& key, const std::vector<std::string>& allowed,
                               const std::string& fallback) const {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "'" : ", '") + a + "'";
  std::string expected = "one of " + list;
  auto s = ScalarAt(key, expected.c_str());
  if (!s) return fallback;
  if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
    FailAt(Get(key), KeyPath(key), "expected " + expected + ", got '" + *s + "'");
  }
  return *s;
}

std::vector<std::string> ConfigNode::StringList(const std::string& key) const {
  YAML::Node v = Get(key);
  std::vector<std::string> out;
  if (IsAbsent(v)) return out;
  if (!v.IsSequence()) {
    FailAt(v, KeyPath(key), "expected a list of strings, got " + Describe(v));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    YAML::Node e = v[i];
    if (!e.IsScalar()) {
      FailAt(e, KeyPath(key) + "[" + std::to_string(i) + "]",
             "expected a string, got " + Describe(e));
    }
    out.push_back(e.Scalar());
  }
  return out;
}

std::optional<std::string> ConfigNode::Secret(const std::string& key) const {
  const std::string file_key = key + "_file";
  const std::string env_key = key + "_env";
  std::vector<std::string> given;
  for (const auto& k : {key, file_key, env_key}) {
    Get(k);  // all three forms are known keys
    if (Has(k)) given.push_back(k);
  }
  if (given.empty()) return std::nullopt;
  if (given.size() > 1) {
    FailAt(Get(given[1]), KeyPath(given[1]),
           "give the secret in only one way: '" + key + "', '" + file_key + "' or '" + env_key +
               "' (found both '" + given[0] + "' and '" + given[1] + "')");
  }
  const std::string& form = given[0];
  std::string value = *ScalarAt(form, "a string");
  if (form == key) return value;
  if (form == env_key) {
    const char* env = std::getenv(value.c_str());
    if (env == nullptr) {
      FailAt(Get(form), KeyPath(form), "environment variable '" + value + "' is not set");
    }
    if (*env == '\0') {
      FailAt(Get(form), KeyPath(form), "environment variable '" + value + "' is empty");
    }
    return std::string(env);
  }
  std::filesystem::path p(value);
  if (p.is_relative()) p = std::filesystem::path(file_).parent_path() / p;
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    FailAt(Get(form), KeyPath(form), "cannot read secret file '" + p.string() +
                                         "': " + std::strerror(errno));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    FailAt(Get(form), KeyPath(form), "secret file '" + p.string() + "' is empty");
  }
  return line;
}

std::optional<std::string> ConfigNode::OptionalPath(const std::string& key) const {
  auto s = ScalarAt(key, "a path");
  if (!s) return std::nullopt;
  if (s->empty()) FailAt(Get(key), KeyPath(key), "expected a path, got ''");
  std::filesystem::path p(*s);
  if (p.is_relative()) p = std::filesystem::path(file_).parent_path() / p;
  return p.lexically_normal().string();
}

ConfigNode ConfigNode::Child(const std::string& key) const {
  YAML::Node v = Get(key);
  if (IsAbsent(v)) {
    return ConfigNode(YAML::Node(YAML::NodeType::Map), mark_, file_, KeyPath(key), seen_);
  }
  if (!v.IsMap()) FailAt(v, KeyPath(key), "expected a mapping, got " + Describe(v));
  return ConfigNode(v, v.Mark(), file_, KeyPath(key), seen_);
}

std::vector<ConfigNode> ConfigNode::Children(const std::string& key) const {
  YAML::Node v = Get(key);
  std::vector<ConfigNode> out;
  if (IsAbsent(v)) return out;
  if (!v.IsSequence()) FailAt(v, KeyPath(key), "expected a list, got " + Describe(v));
  for (size_t i = 0; i < v.size(); ++i) {
    YAML::Node e = v[i];
    YAML::Mark m = e.Mark().is_null() ? v.Mark() : e.Mark();
    out.push_back(ConfigNode(e, m, file_, KeyPath(key) + "[" + std::to_string(i) + "]", seen_));
  }
  return out;
}

std::vector<std::string> ConfigNode::Keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) FailAt(kv.first, path_, "expected a plain key, got " + Describe(kv.first));
    seen_->insert(KeyPath(kv.first.Scalar()));
    out.push_back(kv.first.Scalar());
  }
  return out;
}

std::string ConfigNode::Scalar() const {
  if (!node_.IsScalar()) FailAt(node_, path_, "expected a single value, got " + Describe(node_));
  return node_.Scalar();
}

void ConfigNode::Finish() const {
  if (!node_.IsMap()) return;
  std::set<std::string> keys_here;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) {
      FailAt(kv.first, path_, "unexpected key " + Describe(kv.first));
    }
    const std::string& k = kv.first.Scalar();
    if (!keys_here.insert(k).second) {
      FailAt(kv.first, KeyPath(k), "appears twice in the same mapping");
    }
    if (seen_->count(KeyPath(k))) continue;
    // Suggest the closest key that the program asked for at this level.
    std::string prefix = path_.empty() ? "" : path_ + ".";
    std::string best;
    size_t best_distance = 3;  // only near misses
    for (const auto& s : *seen_) {
      if (s.compare(0, prefix.size(), prefix) != 0) continue;
      std::string rest = s.substr(prefix.size());
      if (rest.find('.') != std::string::npos || rest.find('[') != std::string::npos) continue;
      size_t d = EditDistance(Lower(k), Lower(rest));
      if (d < best_distance) {
        best_distance = d;
        best = rest;
      }
    }
    std::string message = "unknown key";
    if (!best.empty()) message += " (did you mean '" + best + "'?)";
    FailAt(kv.first, KeyPath(k), message);
  }
}

}  // namespace kehrbote
