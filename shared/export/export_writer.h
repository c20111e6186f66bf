// ExportWriter: writes an export (format v1) to a stream, one appointment at a
// time, so that the agent never holds the whole export in memory.
//
//   ExportWriter writer(out, header, "export-huber-20261123T050000Z-1.json");
//   for (...) writer.Add(appointment);   // throws ExportError for a bad row
//   writer.Finish();
//
// The header members (format, version, firm, generated_at, window) are written
// first, then "appointments" as the last member, one appointment per line; the
// streaming ExportReader relies on that order. The version written is always
// kExportMajorVersion.kExportMinorVersion (header.version_* are ignored), and
// generated_at is written with the firm's UTC offset.
//
// The writer checks what the schema and the reader would refuse (empty or
// duplicate id, time and window both set, window from >= to, invalid UTF-8,
// over-long text, unknown zone, ...) and throws ExportError *before* writing
// anything of that appointment, so the caller may count the row as bad, skip it
// and go on. Without Finish() the output is incomplete and not valid JSON: never
// publish it. Output errors of the stream throw ExportError too.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <unordered_set>

#include "shared/export/export_error.h"
#include "shared/export/export_model.h"

namespace kehrbote {

class ExportWriter {
 public:
  // Writes the header now. `target_name` names the output in errors.
  ExportWriter(std::ostream& out, const ExportHeader& header, std::string target_name = "export");

  ExportWriter(const ExportWriter&) = delete;
  ExportWriter& operator=(const ExportWriter&) = delete;

  void Add(const Appointment& appointment);
  // Closes the document and flushes the stream. Add after Finish is an error.
  void Finish();

  size_t appointment_count() const { return count_; }

 private:
  void CheckStream();

  std::ostream& out_;
  std::string target_;
  std::string zone_;
  std::unordered_set<std::string> ids_;
  size_t count_ = 0;
  bool finished_ = false;
  std::string line_;  // reused buffer for one appointment
};

}  // namespace kehrbote
