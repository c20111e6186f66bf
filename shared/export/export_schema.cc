#include "shared/export/export_schema.h"

#include <cctype>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "shared/export/appointment_shape.h"
#include "shared/export/export_error.h"
#include "shared/text/json_pointer.h"

namespace kehrbote {
namespace {

using nlohmann::json;
using valijson::adapters::NlohmannJsonAdapter;

// Removes every "additionalProperties": false, for files of a later minor version.
void Relax(json& node) {
  if (node.is_object()) {
    auto it = node.find("additionalProperties");
    if (it != node.end() && it->is_boolean() && !it->get<bool>()) node.erase(it);
    for (auto& [name, value] : node.items()) Relax(value);
  } else if (node.is_array()) {
    for (auto& value : node) Relax(value);
  }
}

// A schema document whose root is `#/definitions/<name>` of the export schema.
json SubSchema(const json& root, const std::string& name) {
  return json{{"$schema", root.at("$schema")},
              {"definitions", root.at("definitions")},
              {"$ref", "#/definitions/" + name}};
}

void Compile(const json& document, valijson::Schema& schema) {
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  parser.populateSchema(NlohmannJsonAdapter(document), schema);
}

// Compiled once per process and shared: valijson only reads a Schema while
// validating; the regex cache lives in each Validator.
struct CompiledSchemas {
  valijson::Schema root[2];
  valijson::Schema appointment[2];

  CompiledSchemas() {
    for (int lenient = 0; lenient < 2; ++lenient) {
      json document = json::parse(ExportSchemaText());
      if (lenient) Relax(document);
      Compile(document, root[lenient]);
      Compile(SubSchema(document, "appointment"), appointment[lenient]);
    }
  }
};

const CompiledSchemas& Schemas() {
  static const CompiledSchemas schemas;
  return schemas;
}

// The members whose values are no personal data: shown as they are in a
// refusal, which goes to the journal and to the firm's rejected/*.error.
bool ShownAsIs(const std::string& pointer) {
  static const std::set<std::string> kPlain = {
      "format", "major",  "minor",   "generated_at", "from",            "to",
      "date",   "time",   "kind",    "status",       "channel",         "consent",
      "main_sweep_only",  "timezone", "country",     "id"};
  std::string member = pointer.substr(pointer.rfind('/') + 1);
  // Contacts, addresses and names live under these, whatever the member says.
  for (const char* personal : {"/customer", "/contacts/", "/heartbeat_contacts/"})
    if (pointer.find(personal) != std::string::npos && member != "channel" &&
        member != "consent" && member != "main_sweep_only")
      return false;
  return kPlain.count(member) > 0;
}

// A value masked as the logs mask phone numbers: letters and digits become '*'
// except the last two characters, so the office recognises the value without
// the message repeating a name or number ("**********43").
std::string Masked(const std::string& text) {
  std::vector<std::string> chars;  // UTF-8 code points
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
    chars.push_back(text.substr(i, n));
    i += n;
  }
  const size_t keep_back = chars.size() >= 6 ? 2 : 0;
  std::string out;
  for (size_t i = 0; i < chars.size() && i < 60; ++i) {
    const std::string& c = chars[i];
    const bool plain = c.size() == 1 && !std::isalnum(static_cast<unsigned char>(c[0]));
    out += (plain || i + keep_back >= chars.size()) ? c : "*";
  }
  if (chars.size() > 60) out += "...";
  return out;
}

// A short rendering of the offending value at `pointer` for the message.
std::string Describe(const json& value, const std::string& pointer) {
  const bool as_is = ShownAsIs(pointer);
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    if (!as_is) return "\"" + Masked(s) + "\" (masked)";
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return "\"" + s + "\"";
  }
  if (value.is_number() && !as_is) return Masked(value.dump()) + " (masked)";
  return value.dump();
}

}  // namespace

namespace {

// Validators are kept and reused: each compiles the schema's regular
// expressions (std::regex) on first use and caches them, which costs more than
// validating a small export (a dispatcher reads thousands of them per pass).
class ValidatorPool {
 public:
  std::unique_ptr<valijson::Validator> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<valijson::Validator>();
    auto v = std::move(free_.back());
    free_.pop_back();
    return v;
  }
  void Return(std::unique_ptr<valijson::Validator> v) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < 16) free_.push_back(std::move(v));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<valijson::Validator>> free_;
};

ValidatorPool& Validators() {
  static ValidatorPool* pool = new ValidatorPool;  // never destroyed: used until exit
  return *pool;
}

}  // namespace

struct ExportSchema::Impl {
  Impl() : owned(Validators().Take()), validator(*owned) {}
  ~Impl() { Validators().Return(std::move(owned)); }

  std::unique_ptr<valijson::Validator> owned;
  valijson::Validator& validator;

  // Validates; on failure throws the most specific (deepest) error.
  void Check(const valijson::Schema& schema, const json& target, const std::string& prefix,
             const std::string& source) {
    // The cheap pass first; only a failure is validated again to collect errors.
    if (validator.validate(schema, NlohmannJsonAdapter(target), nullptr)) return;
    valijson::ValidationResults results;
    validator.validate(schema, NlohmannJsonAdapter(target), &results);
    const valijson::ValidationResults::Error* best = nullptr;
    for (const auto& error : results) {
      if (best == nullptr || error.context.size() > best->context.size()) best = &error;
    }
    std::string pointer = prefix;
    std::string reason = "does not match the schema";
    if (best != nullptr) {
      // valijson's context is "<root>", then "[name]" or "[index]" per level;
      // follow it through the value to build the pointer and find the value.
      const json* node = &target;
      for (size_t i = 1; i < best->context.size(); ++i) {
        const std::string& step = best->context[i];
        std::string token = step.size() >= 2 ? step.substr(1, step.size() - 2) : step;
        AppendJsonPointerToken(pointer, token);
        if (node == nullptr) continue;
        if (node->is_object() && node->contains(token)) {
          node = &(*node)[token];
        } else if (node->is_array() && !token.empty() &&
                   token.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoul(token) < node->size()) {
          node = &(*node)[std::stoul(token)];
        } else {
          node = nullptr;
        }
      }
      reason = best->description;
      if (!reason.empty() && reason.back() == '.') reason.pop_back();
      // valijson's wording for additionalProperties hides the obvious: point at
      // the unknown member itself and say so.
      static const std::string kUnknown =
          "Object contains a property that could not be validated using 'properties' or "
          "'additionalProperties' constraints: '";
      if (reason.rfind(kUnknown, 0) == 0 && reason.size() > kUnknown.size() &&
          reason.back() == '\'') {
        std::string member = reason.substr(kUnknown.size(), reason.size() - kUnknown.size() - 1);
        AppendJsonPointerToken(pointer, member);
        throw ExportError(source, pointer,
                          "schema: unknown member \"" + member + "\" (misspelt, or added by a later "
                          "minor version than the file declares)");
      }
      if (node != nullptr && !node->is_object() && !node->is_array()) {
        reason += " (found " + Describe(*node, pointer) + ")";
      }
    }
    throw ExportError(source, pointer, "schema: " + reason);
  }
};

ExportSchema::ExportSchema(std::string source) : source_(std::move(source)), impl_(new Impl) {
  Schemas();  // compile now rather than on the first value
}

ExportSchema::~ExportSchema() = default;

void ExportSchema::ValidateHeader(const json& header, SchemaStrictness strictness) {
  json copy = header;
  copy["appointments"] = json::array();
  impl_->Check(Schemas().root[strictness == SchemaStrictness::kLenient], copy, "", source_);
}

void ExportSchema::ValidateAppointment(const json& appointment, const std::string& pointer,
                                       SchemaStrictness strictness) {
  // The common case without valijson's generic walk; valijson decides the rest.
  if (CertainlyValidAppointment(appointment)) return;
  impl_->Check(Schemas().appointment[strictness == SchemaStrictness::kLenient], appointment,
               pointer, source_);
}

void ExportSchema::ValidateDocument(const json& document, SchemaStrictness strictness) {
  impl_->Check(Schemas().root[strictness == SchemaStrictness::kLenient], document, "", source_);
}

}  // namespace kehrbote
