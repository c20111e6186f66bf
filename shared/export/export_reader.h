// ExportReader: reads and validates an export (format v1) from a stream, handing
// over one appointment at a time.
//
//   ExportReader reader(in, "export-huber-20261123T050000Z-1.json");
//   reader.Read([&](const ExportHeader& h) { ... },
//               [&](Appointment&& a) { ... });
//
// Streaming: the input is read in 64 KiB chunks and only the appointment being
// handed over is in memory (plus the set of ids seen, to refuse duplicates), so
// an export of 100,000 appointments never needs a full copy of the file or of
// the model. The header handler runs exactly once, before the first appointment;
// then the appointment handler runs once per appointment, in file order.
//
// Member order: every header member (format, version, firm, generated_at, window,
// and any member a later minor version adds) must come before "appointments",
// which must be the last member of the root object. ExportWriter writes them so.
//
// Checks, in the order the data arrives; the first problem throws ExportError
// (source name, JSON pointer, reason) and nothing after it is handed over:
//   - JSON syntax (strict; valid UTF-8; no duplicate member names);
//   - "format" must be "kehrbote-export"; "version.major" must be 1: any other
//     major is refused as soon as it is read ("unsupported major version");
//   - the schema (schemas/kehrbote-export-v1.schema.json): the header against
//     the root schema, each appointment against #/definitions/appointment;
//     strict, or lenient for a file of a higher minor version (see
//     export_schema.h: unknown members are then ignored);
//   - what the schema cannot say: a known IANA zone, real calendar dates,
//     generated_at a real instant, window.from <= window.to, a time window that
//     ends after it starts, no appointment id twice in one file.
// ReadItems() reads the same way and hands over ExportItems: each appointment
// with the digest of its bytes (raw_appointment_digest.h), and an appointment
// whose digest is among `known` (the digests of appointments that were read,
// checked and stored before) without decoding or checking it: it was valid when
// its bytes were first read. Everything else still runs: syntax outside the known
// appointments, format and version, the header, ids unique over the whole file.
// A handler may throw too; the exception passes through Read unchanged. Since an
// error can come after some appointments were handed over, a caller that stores
// them does so in a transaction and rolls back on any exception: a bad export is
// refused whole.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <unordered_map>
#include <vector>

#include "shared/export/export_error.h"
#include "shared/export/export_model.h"

namespace kehrbote {

// One appointment as ExportReader::ReadItems hands it over.
struct ExportItem {
  Appointment appointment;  // decoded and checked; only its id when `known`
  std::string raw_digest;   // of its bytes; empty if longer than the parser looks ahead
  bool known = false;       // its bytes are a known appointment's: not decoded, not checked
};

// The appointments whose bytes were read and checked before: digest -> appointment id.
using KnownRawDigests = std::unordered_map<std::string, std::string>;

class ExportReader {
 public:
  using HeaderHandler = std::function<void(const ExportHeader&)>;
  using AppointmentHandler = std::function<void(Appointment&&)>;
  using ItemHandler = std::function<void(ExportItem&&)>;

  // `source_name` (usually the file name) is named in every error.
  ExportReader(std::istream& in, std::string source_name);

  ExportReader(const ExportReader&) = delete;
  ExportReader& operator=(const ExportReader&) = delete;

  // Reads the whole export; returns the number of appointments. Call once.
  size_t Read(const HeaderHandler& on_header, const AppointmentHandler& on_appointment);
  // The same with raw digests; `known` (may be null) names the appointments to
  // hand over without decoding. Call once (and not after Read).
  size_t ReadItems(const HeaderHandler& on_header, const ItemHandler& on_item,
                   const KnownRawDigests* known);

  // After the header: true if the file has a higher minor version than this
  // program and members unknown here were therefore ignored.
  bool lenient() const { return lenient_; }

 private:
  size_t ReadAll(const HeaderHandler& on_header, const ItemHandler& on_item, bool digests,
                 const KnownRawDigests* known);

  std::istream& in_;
  std::string source_;
  bool lenient_ = false;
};

// A whole export in memory: for tests, tools and small files only.
struct ExportDocument {
  ExportHeader header;
  std::vector<Appointment> appointments;
  bool operator==(const ExportDocument&) const = default;
};
ExportDocument ReadExportDocument(std::istream& in, const std::string& source_name);

}  // namespace kehrbote
