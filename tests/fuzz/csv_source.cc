// Fuzz target: CsvSource (CsvReader, the encodings, RowMapper) over arbitrary bytes.
// The first byte chooses the encoding (bits 0-1), delimiter (bits 2-3), quote
// (bit 4) and whether the file has a header row (bit 5); the rest is the file.
// Contract checked: the source either yields appointments or throws SourceError;
// every appointment it yields that ExportWriter accepts reads back unchanged with
// ExportReader (what the agent writes, the dispatcher can read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "agent/source/csv_source.h"
#include "shared/export/export_reader.h"
#include "shared/export/export_writer.h"
#include "shared/time/zoned_time.h"
#include "tests/fuzz/scratch_file.h"

namespace kehrbote {
namespace {

SourceConfig Config(uint8_t choice, const std::string& path) {
  static const TextEncoding kEncodings[] = {TextEncoding::kUtf8, TextEncoding::kUtf8Bom,
                                            TextEncoding::kWindows1252, TextEncoding::kIso885915};
  static const char kDelimiters[] = {';', ',', '\t', '|'};
  SourceConfig c;
  c.type = SourceType::kCsv;
  c.csv.path = path;
  c.csv.encoding = kEncodings[choice & 3];
  c.csv.delimiter = kDelimiters[(choice >> 2) & 3];
  c.csv.quote = (choice & 16) ? '\'' : '"';
  c.csv.header = (choice & 32) == 0;
  ColumnMapping& m = c.columns;
  bool named = c.csv.header;
  auto col = [named](const char* name, int number) {
    return named ? std::string(name) : std::to_string(number);
  };
  m.id = col("Nr", 1);
  m.kind = col("Art", 2);
  m.kind_values = {{"HK", AppointmentKind::kMainSweep}, {"UE", AppointmentKind::kInspection}};
  m.date = col("Datum", 3);
  m.window = col("Zeit", 4);
  m.street = col("Strasse", 5);
  m.city = col("Ort", 6);
  m.last_name = col("Name", 7);
  m.company = col("Firma", 8);
  m.phones.push_back({col("Tel1", 9), col("Tel1OK", 10), col("NurHK", 11), false});
  m.status = col("Status", 12);
  m.status_values = {{"S", AppointmentStatus::kCancelled}};
  m.email = ContactColumns{col("Mail", 13), "", "", true};
  m.date_formats = {"%d.%m.%Y", "%Y-%m-%d"};
  return c;
}

ExportHeader Header(LocalTime from, LocalTime to) {
  ExportHeader h;
  h.firm.id = "fuzz";
  h.firm.name = "Fuzz";
  h.firm.timezone = "Europe/Vienna";
  h.firm.country = "AT";
  h.generated_at = *ParseRfc3339("2026-11-23T05:00:00Z");
  h.window_from = from;
  h.window_to = to;
  return h;
}

}  // namespace
}  // namespace kehrbote

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  static fuzz::ScratchFile file("termine.csv");
  if (size == 0) return 0;
  file.Write(data + 1, size - 1);
  SourceConfig config = Config(data[0], file.path());
  const LocalTime from = *ParseLocalDate("2026-11-23"), to = *ParseLocalDate("2026-12-07");
  std::vector<Appointment> written;
  std::ostringstream out;
  try {
    CsvSource source(config, from, to);
    ExportWriter writer(out, Header(from, to), "fuzz-export.json");
    Appointment a;
    while (source.Next(&a)) {
      try {
        writer.Add(a);
        written.push_back(a);
      } catch (const ExportError&) {
        // The agent counts such a row as bad and goes on (export_writer.h).
      }
    }
    writer.Finish();
  } catch (const SourceError&) {
    return 0;
  }
  std::istringstream in(out.str());
  ExportDocument read = ReadExportDocument(in, "fuzz-export.json");  // throws: a finding
  if (read.appointments != written) abort();
  return 0;
}
