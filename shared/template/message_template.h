// MessageTemplate: reminder text with placeholders written <<Name>>, the
// convention office-software users know ("Sehr geehrte/r <<Anrede>> <<Nachname>>").
//
// Loading checks every placeholder: an unknown name or a "<<" without ">>" throws
// TemplateError with the 1-based line and column (columns count characters, not
// bytes). Names are matched case-insensitively and may be padded with spaces
// ("<< datum >>" is <<Datum>>); "<<Straße>>" is accepted for <<Strasse>>.
// There is no escape: "<<" always opens a placeholder.
//
// Rendering never leaves a silent gap. A placeholder whose value is absent (not in
// the map, or nullopt) is "missing"; MissingValuePolicy decides:
//   kFailMessage - the message is not rendered; RenderResult::ok is false and the
//                  error names the missing placeholders.
//   kUseFallback - the fallback text for that placeholder is used; a missing
//                  placeholder without a fallback still fails the message.
// Either way RenderResult::missing lists the missing placeholders.
// A present but empty value (e.g. no <<Titel>>) renders as nothing, and a double
// space that this leaves behind is collapsed to one.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kehrbote {

// Canonical placeholder name (without << >>) -> value; nullopt = no value.
using TemplateValues = std::map<std::string, std::optional<std::string>, std::less<>>;

// Every placeholder name a template may use, in canonical spelling.
const std::vector<std::string_view>& KnownPlaceholders();

class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string source, int line, int column, std::string message);
  const std::string& source() const { return source_; }
  int line() const { return line_; }      // 1-based
  int column() const { return column_; }  // 1-based, in characters

 private:
  std::string source_;
  int line_, column_;
};

struct MissingValuePolicy {
  enum Mode { kFailMessage, kUseFallback };
  Mode mode = kFailMessage;
  // Canonical placeholder name -> text used when it has no value (kUseFallback).
  std::map<std::string, std::string, std::less<>> fallbacks;

  static MissingValuePolicy FailMessage() { return {}; }
  static MissingValuePolicy UseFallback(std::map<std::string, std::string, std::less<>> f) {
    return {kUseFallback, std::move(f)};
  }
};

struct RenderResult {
  bool ok = false;
  std::string text;                  // the rendered message; empty unless ok
  std::vector<std::string> missing;  // placeholders without a value, in order of first use
  std::string error;                 // why not ok, naming the placeholders
};

class MessageTemplate {
 public:
  // Parses `text`; `source` names it in errors (a file, a config key such as
  // "templates.reminder.sms"). Throws TemplateError.
  static MessageTemplate Parse(std::string_view text, std::string_view source = "template");

  const std::string& source() const { return source_; }
  const std::string& text() const { return text_; }
  // Placeholders used, canonical names, in order of first use, without repeats.
  std::vector<std::string> Placeholders() const;

  RenderResult Render(const TemplateValues& values, const MissingValuePolicy& policy) const;

 private:
  struct Part {
    bool placeholder;
    std::string text;  // literal text or canonical placeholder name
  };
  MessageTemplate() = default;

  std::string source_;
  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace kehrbote
