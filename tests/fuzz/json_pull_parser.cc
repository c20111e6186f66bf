// Fuzz target: JsonPullParser::ParseValue over arbitrary bytes. Contract checked:
// any input is a value or an ExportError (never another exception, a crash or a
// hang); what the strict pull parser accepts, nlohmann's own parser accepts too
// and reads as the same value (the pull parser only refuses more: duplicate names,
// depth over 64, strings over 1 MiB).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/export/export_error.h"
#include "shared/export/json_pull_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream in(text);
  kehrbote::JsonPullParser parser(in, "fuzz.json");
  nlohmann::json value;
  try {
    value = parser.ParseValue();
    parser.ExpectEnd();
  } catch (const kehrbote::ExportError&) {
    return 0;
  }
  nlohmann::json reference = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) abort();  // accepted here, refused by nlohmann
  if (reference != value) abort();        // read differently
  return 0;
}
