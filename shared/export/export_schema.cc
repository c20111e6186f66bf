#include "shared/export/export_schema.h"

#include <mutex>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <valijson/adapters/poco_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "shared/export/export_error.h"

namespace kehrbote {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using valijson::adapters::PocoJsonAdapter;

// Removes every "additionalProperties": false, for files of a later minor version.
void Relax(const Var& node) {
  if (node.type() == typeid(Object::Ptr)) {
    Object::Ptr object = node.extract<Object::Ptr>();
    if (object->has("additionalProperties") && object->get("additionalProperties").isBoolean() &&
        !object->get("additionalProperties").extract<bool>()) {
      object->remove("additionalProperties");
    }
    for (const auto& [name, value] : *object) Relax(value);
  } else if (node.type() == typeid(Array::Ptr)) {
    for (const auto& value : *node.extract<Array::Ptr>()) Relax(value);
  }
}

// A schema document whose root is `#/definitions/<name>` of the export schema.
Var SubSchema(const Var& root, const std::string& name) {
  Object::Ptr sub = new Object;
  sub->set("$schema", root.extract<Object::Ptr>()->get("$schema"));
  sub->set("definitions", root.extract<Object::Ptr>()->get("definitions"));
  sub->set("$ref", "#/definitions/" + name);
  return sub;
}

void Compile(const Var& document, valijson::Schema& schema) {
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  parser.populateSchema(PocoJsonAdapter(document), schema);
}

// Compiled once per process and shared: valijson only reads a Schema while
// validating; the regex cache lives in each Validator.
struct CompiledSchemas {
  valijson::Schema root[2];
  valijson::Schema appointment[2];

  CompiledSchemas() {
    for (int lenient = 0; lenient < 2; ++lenient) {
      Var document = Poco::JSON::Parser().parse(std::string(ExportSchemaText()));
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

std::string EscapeToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// A short rendering of the offending value for the message.
std::string Describe(const Var& value) {
  if (value.isEmpty()) return "null";
  if (value.type() == typeid(Object::Ptr)) return "an object";
  if (value.type() == typeid(Array::Ptr)) return "an array";
  if (value.isString()) {
    std::string s = value.extract<std::string>();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return "\"" + s + "\"";
  }
  if (value.isBoolean()) return value.extract<bool>() ? "true" : "false";
  return value.toString();
}

}  // namespace

struct ExportSchema::Impl {
  valijson::Validator validator;

  // Validates; on failure throws the most specific (deepest) error.
  void Check(const valijson::Schema& schema, const Var& target, const std::string& prefix,
             const std::string& source) {
    valijson::ValidationResults results;
    if (validator.validate(schema, PocoJsonAdapter(target), &results)) return;
    const valijson::ValidationResults::Error* best = nullptr;
    for (const auto& error : results) {
      if (best == nullptr || error.context.size() > best->context.size()) best = &error;
    }
    std::string pointer = prefix;
    std::string reason = "does not match the schema";
    if (best != nullptr) {
      // valijson's context is "<root>", then "[name]" or "[index]" per level;
      // follow it through the value to build the pointer and find the value.
      Var node = target;
      bool found = true;
      for (size_t i = 1; i < best->context.size(); ++i) {
        const std::string& step = best->context[i];
        std::string token = step.size() >= 2 ? step.substr(1, step.size() - 2) : step;
        pointer += "/" + EscapeToken(token);
        if (!found) continue;
        if (node.type() == typeid(Object::Ptr) && node.extract<Object::Ptr>()->has(token)) {
          node = node.extract<Object::Ptr>()->get(token);
        } else if (node.type() == typeid(Array::Ptr)) {
          Array::Ptr array = node.extract<Array::Ptr>();
          size_t index = std::stoul(token);
          if (index < array->size()) {
            node = array->get(static_cast<unsigned>(index));
          } else {
            found = false;
          }
        } else {
          found = false;
        }
      }
      reason = best->description;
      if (!reason.empty() && reason.back() == '.') reason.pop_back();
      if (found && node.type() != typeid(Object::Ptr) && node.type() != typeid(Array::Ptr)) {
        reason += " (found " + Describe(node) + ")";
      }
    }
    throw ExportError(source, pointer, "schema: " + reason);
  }
};

ExportSchema::ExportSchema(std::string source) : source_(std::move(source)), impl_(new Impl) {
  Schemas();  // compile now rather than on the first value
}

ExportSchema::~ExportSchema() = default;

void ExportSchema::ValidateHeader(const Var& header, SchemaStrictness strictness) {
  Object::Ptr copy = new Object(*header.extract<Object::Ptr>());
  copy->set("appointments", Array::Ptr(new Array));
  impl_->Check(Schemas().root[strictness == SchemaStrictness::kLenient], copy, "", source_);
}

void ExportSchema::ValidateAppointment(const Var& appointment, const std::string& pointer,
                                       SchemaStrictness strictness) {
  impl_->Check(Schemas().appointment[strictness == SchemaStrictness::kLenient], appointment,
               pointer, source_);
}

void ExportSchema::ValidateDocument(const Var& document, SchemaStrictness strictness) {
  impl_->Check(Schemas().root[strictness == SchemaStrictness::kLenient], document, "", source_);
}

}  // namespace kehrbote
