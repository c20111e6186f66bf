// ExportError: why an export was refused, and where.
//
// Every problem found in an export (syntax, schema, semantics, unsupported version)
// is reported as one ExportError naming the source (usually the file name), the
// JSON pointer (RFC 6901) of the offending value and the reason, e.g.
//   export-huber-20261123T050000Z-1.json: /appointments/1234/start/date: not a calendar date "2026-02-30"
// The pointer is "" for the document itself (shown as "(document)").
#pragma once

#include <stdexcept>
#include <string>

namespace kehrbote {

class ExportError : public std::runtime_error {
 public:
  ExportError(std::string source, std::string pointer, std::string reason);

  const std::string& source() const { return source_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string source_;
  std::string pointer_;
  std::string reason_;
};

}  // namespace kehrbote
