#include "shared/export/export_error.h"

#include <utility>

namespace kehrbote {

ExportError::ExportError(std::string source, std::string pointer, std::string reason)
    : std::runtime_error(source + ": " + (pointer.empty() ? std::string("(document)") : pointer) +
                         ": " + reason),
      source_(std::move(source)),
      pointer_(std::move(pointer)),
      reason_(std::move(reason)) {}

}  // namespace kehrbote
