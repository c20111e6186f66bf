// DatabaseError and SqlDialect: what every part of the store layer and its
// callers share. Kept apart from database.h so that the connection classes do
// not depend on the pool.
#pragma once

#include <stdexcept>
#include <string_view>

namespace kehrbote {

// Every store failure: the message names the operation and the masked URL (never
// a row's values: a store holds names and phone numbers).
class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The engine behind a connection. Only the store layer (dispatcher/store) looks
// at it; callers use the named SqlVariant texts and the layer's capabilities.
enum class SqlDialect { kSqlite, kPostgresql };
std::string_view ToString(SqlDialect d);  // "sqlite" / "postgresql"

}  // namespace kehrbote
