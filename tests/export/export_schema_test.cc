#include "shared/export/export_schema.h"

#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <valijson/adapters/poco_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "shared/export/export_error.h"
#include "tests/export/export_test_data.h"

namespace kehrbote {
namespace {

const std::string kSchemaPath =
    std::string(KEHRBOTE_SOURCE_DIR) + "/schemas/kehrbote-export-v1.schema.json";

// Validates `document` against the schema *file* with plain valijson, the way a
// third party would: independent of the library's compiled-in copy, and through
// another JSON library (Poco) than the reader uses.
std::vector<std::string> ValidateWithSchemaFile(const std::string& document) {
  Poco::Dynamic::Var schema_doc = Poco::JSON::Parser().parse(testing::ReadTextFile(kSchemaPath));
  valijson::Schema schema;
  valijson::SchemaParser(valijson::SchemaParser::kDraft7)
      .populateSchema(valijson::adapters::PocoJsonAdapter(schema_doc), schema);
  Poco::Dynamic::Var target = Poco::JSON::Parser().parse(document);
  valijson::Validator validator;
  valijson::ValidationResults results;
  validator.validate(schema, valijson::adapters::PocoJsonAdapter(target), &results);
  std::vector<std::string> errors;
  for (const auto& e : results) errors.push_back(e.description);
  return errors;
}

TEST(ExportSchemaTest, CompiledInTextIsTheSchemaFile) {
  EXPECT_EQ(ExportSchemaText(), testing::ReadTextFile(kSchemaPath));
}

TEST(ExportSchemaTest, SchemaFileAcceptsTheDocumentedExample) {
  EXPECT_TRUE(ValidateWithSchemaFile(testing::ExampleJson()).empty());
}

TEST(ExportSchemaTest, SchemaFileRefusesABrokenExample) {
  std::string broken = testing::ExampleJson();
  broken.replace(broken.find("\"main_sweep\""), 12, "\"mainsweep\"");
  EXPECT_FALSE(ValidateWithSchemaFile(broken).empty());
}

TEST(ExportSchemaTest, SchemaFileRefusesTimeAndWindowTogether) {
  std::string both = testing::ExampleJson();
  const std::string window = "\"window\": {\"from\": \"08:00\"";
  both.replace(both.find(window), window.size(), "\"time\": \"09:00\", " + window);
  EXPECT_FALSE(ValidateWithSchemaFile(both).empty());
}

TEST(ExportSchemaTest, DocumentationShowsExactlyTheTestedExample) {
  // docs/export-format.md carries the example in the ```json block that follows
  // the marker line; it must be byte for byte tests/export/data/example.json.
  std::string doc = testing::ReadTextFile(std::string(KEHRBOTE_SOURCE_DIR) + "/docs/export-format.md");
  const std::string marker = "<!-- example: tests/export/data/example.json -->\n```json\n";
  size_t begin = doc.find(marker);
  ASSERT_NE(begin, std::string::npos) << "marker missing in docs/export-format.md";
  begin += marker.size();
  size_t end = doc.find("```\n", begin);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(doc.substr(begin, end - begin), testing::ExampleJson());
}

TEST(ExportSchemaTest, ValidateDocumentNamesPointerAndValue) {
  std::string broken = testing::ExampleJson();
  broken.replace(broken.find("\"cancelled\""), 11, "\"canceled\"");
  ExportSchema schema("x.json");
  try {
    schema.ValidateDocument(nlohmann::json::parse(broken), SchemaStrictness::kStrict);
    FAIL() << "no error";
  } catch (const ExportError& e) {
    EXPECT_EQ(e.pointer(), "/appointments/2/status");
    EXPECT_NE(e.reason().find("\"canceled\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kehrbote
