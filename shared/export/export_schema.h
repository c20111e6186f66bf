// The export format v1 JSON Schema and its validation.
//
// schemas/kehrbote-export-v1.schema.json is compiled into the library at build
// time, so no program needs the schema file at run time. ExportSchema validates
// the parts of an export as the reader streams them: the header (every root
// member except "appointments") and each appointment on its own, each against its
// part of the same schema.
//
// Forward compatibility (see docs/export-format.md): a file whose minor version is
// higher than kExportMinorVersion is validated leniently, i.e. with every
// "additionalProperties": false relaxed, so members added by a later minor version
// are ignored while every member this version knows is still checked. Files of
// this or an older minor version are checked strictly, so a typo is an error.
//
// Speed: an appointment that CertainlyValidAppointment() (appointment_shape.h)
// accepts is valid by the schema and skips valijson's generic walk; every
// other one is decided, and its error worded, by valijson.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kehrbote {

// The schema document, byte for byte as in schemas/.
std::string_view ExportSchemaText();

enum class SchemaStrictness { kStrict, kLenient };

class ExportSchema {
 public:
  // `source` names the file in errors.
  explicit ExportSchema(std::string source);
  ~ExportSchema();

  ExportSchema(const ExportSchema&) = delete;
  ExportSchema& operator=(const ExportSchema&) = delete;

  // `header` is the root object without "appointments" (an empty list is
  // assumed). Throws ExportError with the JSON pointer of the first problem.
  void ValidateHeader(const nlohmann::json& header, SchemaStrictness strictness);

  // One element of "appointments"; `pointer` is its own pointer
  // ("/appointments/17"), prefixed to the pointer in errors.
  void ValidateAppointment(const nlohmann::json& appointment, const std::string& pointer,
                           SchemaStrictness strictness);

  // A whole document in memory (tests and small tools).
  void ValidateDocument(const nlohmann::json& document, SchemaStrictness strictness);

 private:
  struct Impl;
  std::string source_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kehrbote
