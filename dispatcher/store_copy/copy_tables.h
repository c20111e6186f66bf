// The tables the store copy moves, and their order.
//
// The list comes from the target's catalog after the migrations: this
// program's schema, as PostgreSQL has it. schema_migrations is left out (each
// store records its own migrations; the copy checks beforehand that both are
// at the same versions). The source must hold the same tables with the same
// columns; anything else (a table or column on one side only) is refused
// with its name, before a row is written.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dispatcher/store/postgres_connection.h"

namespace kehrbote {

struct CopyTable {
  std::string name;
  std::vector<std::string> columns;  // in the target's column order
};

// The target's tables (in the connection's current schema), each after the
// tables its foreign keys reference, otherwise by name. Throws DatabaseError
// on a cycle of foreign keys.
std::vector<CopyTable> TargetTables(PostgresConnection& pg);

// The source's tables (SQLite's own sqlite_* and schema_migrations left out)
// with their columns.
std::map<std::string, std::set<std::string>> SqliteTables(SqlConnection& source);

// Throws DatabaseError naming the first table or column found on one side only.
void CheckSameTables(const std::vector<CopyTable>& target,
                     const std::map<std::string, std::set<std::string>>& source);

// "name" quoted as an SQL identifier.
std::string QuoteIdentifier(const std::string& name);

}  // namespace kehrbote
