#include "dispatcher/store_copy/copy_tables.h"

namespace kehrbote {
namespace {

constexpr const char* kMigrationsTable = "schema_migrations";

// Orders `tables` so that each comes after those it references (Kahn's
// algorithm, ties by name: the order is the same on every run).
std::vector<CopyTable> InReferenceOrder(std::map<std::string, CopyTable> tables,
                                        const std::multimap<std::string, std::string>& references) {
  std::map<std::string, std::set<std::string>> waits_for;
  for (const auto& [table, referenced] : references)
    if (table != referenced && tables.count(table) && tables.count(referenced))
      waits_for[table].insert(referenced);
  std::vector<CopyTable> out;
  while (!tables.empty()) {
    auto ready = tables.begin();
    while (ready != tables.end() && !waits_for[ready->first].empty()) ++ready;
    if (ready == tables.end())
      throw DatabaseError("target schema: the foreign keys of table '" + tables.begin()->first +
                          "' form a cycle; the copy cannot order its tables");
    for (auto& [table, parents] : waits_for) parents.erase(ready->first);
    out.push_back(std::move(ready->second));
    tables.erase(ready);
  }
  return out;
}

}  // namespace

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<CopyTable> TargetTables(PostgresConnection& pg) {
  std::map<std::string, CopyTable> tables;
  // Ordinary and partitioned tables of the current schema; generated columns
  // are computed by the server and cannot be written.
  const auto columns = pg.Query(
      "SELECT c.relname, a.attname FROM pg_class c "
      "JOIN pg_attribute a ON a.attrelid = c.oid "
      "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
      "ORDER BY c.relname, a.attnum");
  for (const PostgresConnection::Row& row : columns) {
    if (*row[0] == kMigrationsTable) continue;
    CopyTable& t = tables[*row[0]];
    t.name = *row[0];
    t.columns.push_back(*row[1]);
  }
  std::multimap<std::string, std::string> references;
  for (const PostgresConnection::Row& row :
       pg.Query("SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"))
    references.emplace(*row[0], *row[1]);
  return InReferenceOrder(std::move(tables), references);
}

std::map<std::string, std::set<std::string>> SqliteTables(SqlConnection& source) {
  std::map<std::string, std::set<std::string>> out;
  SqlStatement tables(source,
                      "SELECT name FROM sqlite_master WHERE type = 'table' "
                      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?");
  tables.Bind(1, kMigrationsTable);
  while (tables.Step()) out[tables.Text(0)];
  SqlStatement info(source, "SELECT name FROM pragma_table_info(?)");
  for (auto& [table, columns] : out) {
    info.Bind(1, table);
    while (info.Step()) columns.insert(info.Text(0));
  }
  return out;
}

void CheckSameTables(const std::vector<CopyTable>& target,
                     const std::map<std::string, std::set<std::string>>& source) {
  std::set<std::string> target_names;
  for (const CopyTable& t : target) {
    target_names.insert(t.name);
    auto s = source.find(t.name);
    if (s == source.end())
      throw DatabaseError("source store has no table '" + t.name +
                          "' (its schema is older than this program's)");
    const std::set<std::string> target_columns(t.columns.begin(), t.columns.end());
    for (const std::string& c : t.columns)
      if (!s->second.count(c))
        throw DatabaseError("source table '" + t.name + "' has no column '" + c + "'");
    for (const std::string& c : s->second)
      if (!target_columns.count(c))
        throw DatabaseError("source table '" + t.name + "' has a column '" + c +
                            "' that this program's schema does not know");
  }
  for (const auto& [name, columns] : source)
    if (!target_names.count(name))
      throw DatabaseError("source table '" + name +
                          "' is not part of this program's schema; the copy moves only the "
                          "dispatcher's own tables");
}

}  // namespace kehrbote
