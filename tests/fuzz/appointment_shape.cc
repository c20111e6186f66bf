// Fuzz target: the hand-written appointment check against valijson. Contract
// checked (appointment_shape.h): CertainlyValidAppointment(item) implies that the
// schema accepts `item`, strictly. A JSON input that is not an object is wrapped
// as nothing; inputs that are not JSON are skipped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/export/appointment_shape.h"
#include "shared/export/export_error.h"
#include "shared/export/export_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static kehrbote::ExportSchema schema("fuzz.json");
  nlohmann::json item = nlohmann::json::parse(data, data + size, nullptr, false);
  if (item.is_discarded() || !kehrbote::CertainlyValidAppointment(item)) return 0;
  try {
    schema.ValidateAppointment(item, "/appointments/0", kehrbote::SchemaStrictness::kStrict);
  } catch (const kehrbote::ExportError& e) {
    fprintf(stderr, "shape accepted, schema refused: %s\n", e.what());
    abort();
  }
  return 0;
}
