// Reading one cell of a Poco::Data::RecordSet with NULL as 0 / "": the store's
// NULL columns (sent_at, last_error, ...) mean "not yet", which callers treat
// like zero or empty.
#pragma once

#include <Poco/Data/RecordSet.h>

#include <cstddef>
#include <string>

namespace kehrbote {

inline Poco::Int64 IntAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  Poco::Dynamic::Var v = rs.value(col, row);
  return v.isEmpty() ? 0 : v.convert<Poco::Int64>();
}

inline std::string StringAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  Poco::Dynamic::Var v = rs.value(col, row);
  return v.isEmpty() ? std::string() : v.convert<std::string>();
}

}  // namespace kehrbote
