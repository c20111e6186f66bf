// Fuzz target: ExportReader::ReadItems stepping over known appointments agrees
// with reading every appointment. The input is read once without known digests;
// the digests of the appointments that read hands over become the known set
// (all of them, then every other one, so batches mix skipped and decoded
// elements), and the input is read again with it. Contract checked: both reads
// refuse with the same error, or both succeed with the same header, the same
// ids in the same order, a skipped item carrying the id and digest of the
// appointment first read from those bytes and every decoded one equal to its
// first reading. (Only digests of appointments that were read and checked are
// known, as in the store: a skipped element's bytes were valid.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "shared/export/export_reader.h"

namespace {

using kehrbote::ExportHeader;
using kehrbote::ExportItem;
using kehrbote::KnownRawDigests;

struct Reading {
  std::optional<ExportHeader> header;
  std::vector<ExportItem> items;  // handed over, also those before an error
  std::optional<std::string> error;
};

Reading ReadOnce(const std::string& input, const KnownRawDigests* known) {
  Reading r;
  std::istringstream in(input);
  kehrbote::ExportReader reader(in, "fuzz.json");
  try {
    reader.ReadItems([&](const ExportHeader& h) { r.header = h; },
                     [&](ExportItem&& item) { r.items.push_back(std::move(item)); }, known);
  } catch (const kehrbote::ExportError& e) {
    r.error = e.what();
  }
  return r;
}

// Every `step`-th appointment of `full` that has a digest.
KnownRawDigests Known(const Reading& full, size_t step) {
  KnownRawDigests known;
  for (size_t i = 0; i < full.items.size(); i += step) {
    const ExportItem& item = full.items[i];
    if (!item.raw_digest.empty()) known.emplace(item.raw_digest, item.appointment.id);
  }
  return known;
}

void ExpectAgreement(const Reading& full, const Reading& skipping, const KnownRawDigests& known) {
  if (full.error.has_value() != skipping.error.has_value()) abort();
  if (full.error) {
    if (*full.error != *skipping.error) abort();
    return;  // what was handed over before the error is thrown away by every caller
  }
  if (full.header != skipping.header || full.items.size() != skipping.items.size()) abort();
  for (size_t i = 0; i < full.items.size(); ++i) {
    const ExportItem& a = full.items[i];
    const ExportItem& b = skipping.items[i];
    if (a.known || a.raw_digest != b.raw_digest) abort();
    if (b.known) {
      if (a.appointment.id != b.appointment.id || !known.count(b.raw_digest)) abort();
    } else {
      if (a.appointment != b.appointment || known.count(b.raw_digest)) abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const Reading full = ReadOnce(input, nullptr);
  for (size_t step : {1, 2}) {
    const KnownRawDigests known = Known(full, step);
    if (known.empty()) break;
    ExpectAgreement(full, ReadOnce(input, &known), known);
  }
  return 0;
}
