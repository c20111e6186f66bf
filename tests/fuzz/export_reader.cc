// Fuzz target: ExportReader over arbitrary bytes (what the dispatcher pulls from a
// firm's SFTP inbox). Contract checked: any input either reads or throws
// ExportError; the header handler runs exactly once and before every appointment;
// the count returned is the number of appointments handed over.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "shared/export/export_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  kehrbote::ExportReader reader(in, "fuzz.json");
  int headers = 0;
  size_t appointments = 0;
  try {
    size_t n = reader.Read([&](const kehrbote::ExportHeader&) { ++headers; },
                           [&](kehrbote::Appointment&&) {
                             if (headers != 1) abort();  // appointment before the header
                             ++appointments;
                           });
    if (headers != 1 || n != appointments) abort();
  } catch (const kehrbote::ExportError&) {
    if (headers > 1) abort();
  }
  return 0;
}
