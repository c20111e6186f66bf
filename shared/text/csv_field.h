// CsvField: one field of a CSV line (RFC 4180), quoted only when it must be: when it
// holds a comma, a double quote or a line break; quotes inside are doubled.
// Pure; thread-safe.
#pragma once

#include <string>

namespace kehrbote {

std::string CsvField(const std::string& value);

}  // namespace kehrbote
