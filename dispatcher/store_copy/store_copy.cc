#include "dispatcher/store_copy/store_copy.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/postgres_connection.h"
#include "dispatcher/store/store_url.h"
#include "dispatcher/store_copy/copy_tables.h"
#include "dispatcher/store_copy/copy_text.h"
#include "shared/env/env.h"

namespace kehrbote {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Refuses a source whose schema is not this program's, or brings an older one
// up to date when the caller said so.
void CheckSourceSchema(Database& source, bool migrate) {
  std::string older;
  for (const SchemaComponent& c : DispatcherMigrations()) {
    const int version = source.SchemaVersion(c.name);
    const int known = static_cast<int>(c.migrations.size());
    if (version > known)
      throw DatabaseError("source store: the schema of '" + std::string(c.name) +
                          "' is at version " + std::to_string(version) +
                          ", newer than this program knows (" + std::to_string(known) +
                          "); copy with the kehrbote-dispatcher that wrote it");
    if (version < known)
      older += (older.empty() ? "" : ", ") + std::string(c.name) + " " + std::to_string(version) +
               " of " + std::to_string(known);
  }
  if (older.empty()) return;
  if (!migrate)
    throw DatabaseError("source store: its schema is older than this program's (" + older +
                        "); run the copy again with --migrate-source to apply this program's "
                        "migrations to it first, as the dispatcher's next start would");
  MigrateDispatcherStore(source);
}

// Ends the source's read transaction however the copy ends.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(SqlConnection& c) : c_(c) { c_.Execute("BEGIN"); }
  ~ReadSnapshot() {
    try {
      c_.Execute("ROLLBACK");  // it only read
    } catch (...) {
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  SqlConnection& c_;
};

std::set<std::string, std::less<>> Names(const std::vector<CopyTable>& tables) {
  std::set<std::string, std::less<>> names;
  for (const CopyTable& t : tables) {
    names.insert(t.name);
    names.insert(t.columns.begin(), t.columns.end());
  }
  return names;
}

int64_t TargetCount(PostgresConnection& pg, const std::string& table) {
  return std::stoll(*pg.Query("SELECT COUNT(*) FROM " + QuoteIdentifier(table))[0][0]);
}

int64_t SourceCount(SqlConnection& source, const std::string& table) {
  return QueryInt(source, "SELECT COUNT(*) FROM " + QuoteIdentifier(table)).value_or(0);
}

// Locks every table against other writers and refuses a target with rows.
void ClaimEmptyTarget(PostgresConnection& pg, const std::vector<CopyTable>& tables) {
  pg.Exec("SET LOCAL lock_timeout = '30s'");
  std::string lock = "LOCK TABLE ";
  for (size_t i = 0; i < tables.size(); ++i)
    lock += (i ? ", " : "") + QuoteIdentifier(tables[i].name);
  pg.Exec(lock + " IN EXCLUSIVE MODE");
  std::string held;
  for (const CopyTable& t : tables)
    if (const int64_t n = TargetCount(pg, t.name); n > 0)
      held += (held.empty() ? "" : ", ") + t.name + " (" + std::to_string(n) + " rows)";
  if (!held.empty())
    throw DatabaseError("target store holds data: " + held +
                        "; the copy writes only into an empty store (drop the database and "
                        "create it again to start over)");
}

// Copies one table in COPY batches and checks its row count.
TableCopied CopyTableRows(PostgresConnection& pg, SqlConnection& source, const CopyTable& t,
                          size_t rows_per_batch) {
  const auto started = Clock::now();
  std::string select = "SELECT rowid";
  std::string copy = "COPY " + QuoteIdentifier(t.name) + " (";
  for (size_t c = 0; c < t.columns.size(); ++c) {
    select += ", " + QuoteIdentifier(t.columns[c]);
    copy += (c ? ", " : "") + QuoteIdentifier(t.columns[c]);
  }
  select += " FROM " + QuoteIdentifier(t.name) + " ORDER BY rowid";
  copy += ") FROM STDIN";

  int64_t copied = 0;
  std::string data;
  std::vector<int64_t> rowids;  // of the batch, to name a refused row
  auto flush = [&] {
    try {
      copied += pg.CopyIn(copy, data);
    } catch (const PostgresError& e) {
      const int64_t line = e.copy_line();
      const std::string row = line > 0 && line <= static_cast<int64_t>(rowids.size())
                                  ? "row id " + std::to_string(rowids[line - 1])
                                  : "rows with id " + std::to_string(rowids.front()) + " to " +
                                        std::to_string(rowids.back());
      throw DatabaseError("table '" + t.name + "', " + row + " (SQLite rowid): " + e.what());
    }
    data.clear();
    rowids.clear();
  };
  SqlStatement rows(source, select);
  while (rows.Step()) {
    rowids.push_back(rows.Int(0));
    for (int c = 0; c < static_cast<int>(t.columns.size()); ++c) {
      if (rows.IsNull(c + 1)) {
        AppendCopyNull(data, c == 0);
      } else {
        AppendCopyField(data, c == 0, rows.TextView(c + 1));
      }
    }
    data += '\n';
    if (rowids.size() >= rows_per_batch) flush();
  }
  if (!rowids.empty()) flush();

  const int64_t in_source = SourceCount(source, t.name);
  const int64_t in_target = TargetCount(pg, t.name);
  if (copied != in_source || in_target != in_source)
    throw DatabaseError("table '" + t.name + "': the source has " + std::to_string(in_source) +
                        " rows, the target " + std::to_string(in_target) + " after the copy");
  return {t.name, copied, SecondsSince(started)};
}

// SQLite's AUTOINCREMENT counters (the highest id ever given), by table.
std::map<std::string, int64_t> AutoincrementCounters(SqlConnection& source) {
  std::map<std::string, int64_t> out;
  if (QueryInt(source, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
          .value_or(0) == 0)
    return out;
  SqlStatement q(source, "SELECT name, seq FROM sqlite_sequence");
  while (q.Step()) out[q.Text(0)] = q.Int(1);
  return out;
}

// Sets every serial column's sequence past the ids copied (and past the
// source's counter), so that new rows get fresh ids.
std::vector<SequenceSet> ResetSequences(PostgresConnection& pg, SqlConnection& source) {
  const std::map<std::string, int64_t> counters = AutoincrementCounters(source);
  std::vector<SequenceSet> out;
  const auto serials = pg.Query(
      "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
      "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
      "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
      "AND a.attnum > 0 AND NOT a.attisdropped "
      "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL "
      "ORDER BY 1, 2");
  for (const PostgresConnection::Row& row : serials) {
    const std::string& table = *row[0];
    const std::string& column = *row[1];
    const auto counter = counters.find(table);
    const std::string floor = std::to_string(counter == counters.end() ? 0 : counter->second);
    const std::string next = *pg.Query("SELECT GREATEST(COALESCE(MAX(" + QuoteIdentifier(column) +
                                           "), 0), $1::bigint)"
                                           " + 1 FROM " +
                                           QuoteIdentifier(table),
                                       {floor})[0][0];
    pg.Query("SELECT setval($1, $2::bigint, false)", {*row[2], next});
    out.push_back({table, column, std::stoll(next)});
  }
  return out;
}

std::unique_ptr<Database> OpenSource(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.rfind(kSqlite, 0) != 0)
    throw DatabaseError("--from must name a SQLite store (sqlite:/path/dispatcher.db), got '" +
                        MaskStoreUrl(url) + "'");
  const std::string file = url.substr(kSqlite.size());
  // Database::Open would create a missing file: a typo must not copy an empty store.
  if (file.empty() || !Env::Default().FileExists(file))
    throw DatabaseError("source store '" + file + "' does not exist");
  return Database::Open(url);
}

}  // namespace

StoreCopyResult CopyStore(const StoreCopyOptions& options) {
  const auto started = Clock::now();
  const std::optional<std::string> conninfo = PostgresConnectionString(options.to);
  if (!conninfo)
    throw DatabaseError(
        "--to must name a PostgreSQL store (postgresql:host=... dbname=... or "
        "postgresql://...), got '" +
        MaskStoreUrl(options.to) + "'");
  std::unique_ptr<Database> source = OpenSource(options.from);
  CheckSourceSchema(*source, options.migrate_source);
  std::unique_ptr<Database> target = Database::Open(options.to);
  MigrateDispatcherStore(*target);

  PostgresConnection pg(*conninfo, target->description());
  StoreCopyResult result;
  pg.Exec("BEGIN");
  try {
    const std::vector<CopyTable> tables = TargetTables(pg);
    pg.set_known_names(Names(tables));
    ClaimEmptyTarget(pg, tables);
    PooledConnection s = source->Connect();
    ReadSnapshot snapshot(*s);
    CheckSameTables(tables, SqliteTables(*s));
    for (const CopyTable& t : tables) {
      result.tables.push_back(
          CopyTableRows(pg, *s, t, std::max<size_t>(1, options.rows_per_batch)));
      result.rows += result.tables.back().rows;
      if (options.on_table) options.on_table(result.tables.back());
    }
    result.sequences = ResetSequences(pg, *s);
    pg.Exec("COMMIT");
  } catch (...) {
    try {
      pg.Exec("ROLLBACK");
    } catch (...) {
      // The connection may be gone; the server rolls back on its own then.
    }
    throw;
  }
  result.seconds = SecondsSince(started);
  return result;
}

}  // namespace kehrbote
