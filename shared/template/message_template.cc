#include "shared/template/message_template.h"

#include "shared/text/edit_distance.h"

#include <algorithm>
#include <cctype>

namespace kehrbote {

namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Canonical name for what was written between << and >>, or nullopt.
std::optional<std::string> Canonical(std::string_view written) {
  std::string lower = AsciiLower(written);
  for (std::string_view known : KnownPlaceholders()) {
    if (AsciiLower(known) == lower) return std::string(known);
  }
  if (lower == "straße") return "Strasse";
  return std::nullopt;
}


std::string Suggestion(std::string_view written) {
  std::string best;
  size_t best_distance = 3;
  for (std::string_view known : KnownPlaceholders()) {
    size_t d = EditDistance(AsciiLower(written), AsciiLower(known));
    if (d < best_distance) {
      best_distance = d;
      best = std::string(known);
    }
  }
  return best;
}

// 1-based line and column (in UTF-8 characters) of byte offset `pos`.
std::pair<int, int> Position(std::string_view text, size_t pos) {
  int line = 1, column = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a continuation byte
      ++column;
    }
  }
  return {line, column};
}

std::string BuildMessage(const std::string& source, int line, int column,
                         const std::string& message) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string JoinPlaceholders(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "<<" : ", <<") + n + ">>";
  return out;
}

}  // namespace

const std::vector<std::string_view>& KnownPlaceholders() {
  static const std::vector<std::string_view> kNames = {
      "Anrede",     "Titel",     "Vorname",     "Nachname",    "Name",
      "Briefanrede", "Firma",    "Datum",       "DatumKurz",   "Wochentag",
      "Uhrzeit",    "Zeitfenster", "Terminart", "Strasse",     "PLZ",
      "Ort",        "Objekt",    "Kehrbetrieb", "KehrbetriebTelefon", "Beruf",
  };
  return kNames;
}

TemplateError::TemplateError(std::string source, int line, int column, std::string message)
    : std::runtime_error(BuildMessage(source, line, column, message)),
      source_(std::move(source)),
      line_(line),
      column_(column) {}

MessageTemplate MessageTemplate::Parse(std::string_view text, std::string_view source) {
  MessageTemplate t;
  t.source_ = std::string(source);
  t.text_ = std::string(text);
  std::string literal;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("<<", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    size_t close = text.find(">>", open + 2);
    size_t newline = text.find('\n', open + 2);
    if (close == std::string_view::npos || (newline != std::string_view::npos && newline < close)) {
      auto [line, column] = Position(text, open);
      throw TemplateError(t.source_, line, column, "'<<' without a closing '>>' on the same line");
    }
    std::string_view written = Trim(text.substr(open + 2, close - open - 2));
    std::optional<std::string> name = Canonical(written);
    if (!name) {
      auto [line, column] = Position(text, open);
      std::string message = written.empty()
                                ? std::string("empty placeholder <<>>")
                                : "unknown placeholder <<" + std::string(written) + ">>";
      std::string hint = written.empty() ? "" : Suggestion(written);
      if (!hint.empty()) message += " (did you mean <<" + hint + ">>?)";
      throw TemplateError(t.source_, line, column, message);
    }
    if (!literal.empty()) t.parts_.push_back({false, std::move(literal)});
    literal.clear();
    t.parts_.push_back({true, std::move(*name)});
    pos = close + 2;
  }
  if (!literal.empty()) t.parts_.push_back({false, std::move(literal)});
  return t;
}

std::vector<std::string> MessageTemplate::Placeholders() const {
  std::vector<std::string> out;
  for (const auto& p : parts_) {
    if (p.placeholder && std::find(out.begin(), out.end(), p.text) == out.end()) {
      out.push_back(p.text);
    }
  }
  return out;
}

RenderResult MessageTemplate::Render(const TemplateValues& values,
                                     const MissingValuePolicy& policy) const {
  RenderResult result;
  std::vector<std::string> without_fallback;
  std::string out;
  bool skip_leading_space = false;  // set after an empty value that follows a space
  for (const auto& part : parts_) {
    if (!part.placeholder) {
      std::string_view lit = part.text;
      if (skip_leading_space && !lit.empty() && lit.front() == ' ') lit.remove_prefix(1);
      skip_leading_space = false;
      out.append(lit);
      continue;
    }
    skip_leading_space = false;
    const std::string* value = nullptr;
    auto it = values.find(part.text);
    if (it != values.end() && it->second.has_value()) {
      value = &*it->second;
    } else {
      if (std::find(result.missing.begin(), result.missing.end(), part.text) ==
          result.missing.end()) {
        result.missing.push_back(part.text);
      }
      if (policy.mode == MissingValuePolicy::kUseFallback) {
        auto f = policy.fallbacks.find(part.text);
        if (f != policy.fallbacks.end()) {
          value = &f->second;
        } else if (std::find(without_fallback.begin(), without_fallback.end(), part.text) ==
                   without_fallback.end()) {
          without_fallback.push_back(part.text);
        }
      }
    }
    if (value == nullptr) continue;
    if (value->empty()) {
      skip_leading_space = !out.empty() && out.back() == ' ';
    } else {
      out.append(*value);
    }
  }

  if (policy.mode == MissingValuePolicy::kFailMessage && !result.missing.empty()) {
    result.error = "no value for " + JoinPlaceholders(result.missing);
    return result;
  }
  if (!without_fallback.empty()) {
    result.error = "no value and no fallback text for " + JoinPlaceholders(without_fallback);
    return result;
  }
  result.ok = true;
  result.text = std::move(out);
  return result;
}

}  // namespace kehrbote
