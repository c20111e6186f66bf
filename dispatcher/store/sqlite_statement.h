// SqliteStatement: a prepared statement run directly on the sqlite3 connection
// of a Poco::Data SQLite session (inside that session's transaction, if any).
//
// For the hot paths of ingest and planning (hundreds of thousands of rows per
// pass): Poco::Data compiles the SQL again for every `session << ...` and binds
// each row through several layers, which costs more than SQLite's own work. One
// SqliteStatement is prepared once and re-run per row.
//
//   SqliteStatement st(session, "INSERT INTO t (a, b) VALUES (?, ?)");
//   for (...) st.Bind(1, a).Bind(2, b).Run();
//
// Text bound with Bind(pos, std::string_view) is not copied: it must stay valid
// until Run()/Step() is done with the row. Failures throw DatabaseError with
// SQLite's message and the statement's SQL.
//
// Prepared statements outlive their SqliteStatement: a finished one goes to a
// per-connection cache and the next SqliteStatement with the same SQL on that
// connection takes it instead of preparing again. A connection must therefore
// not be closed while statements of it are cached: Database keeps its SQLite
// connections open and calls FinalizeCached() before it closes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <Poco/Data/Session.h>

struct sqlite3;
struct sqlite3_stmt;

namespace kehrbote {

class SqliteStatement {
 public:
  SqliteStatement(Poco::Data::Session& session, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Positions start at 1, as in SQL.
  SqliteStatement& Bind(int pos, std::string_view text);
  SqliteStatement& Bind(int pos, int64_t value);
  SqliteStatement& BindNull(int pos);

  // Steps once: true if a row is ready (read it with the column getters), false
  // when the statement is done (then it is reset for the next run).
  bool Step();
  // Runs the statement to its end and resets it; returns the rows changed.
  int Run();

  // Finalizes every cached statement of every connection (in use ones are not
  // cached). Called before SQLite connections are closed.
  static void FinalizeCached();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string_view TextView(int col) const;  // valid until the next Step()
  bool IsNull(int col) const;

 private:
  [[noreturn]] void Fail(const char* what) const;

  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
};

}  // namespace kehrbote
