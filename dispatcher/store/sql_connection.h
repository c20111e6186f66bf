// SqlConnection and SqlStatement: the one way the dispatcher reaches its store,
// with two implementations, SqliteConnection (the sqlite3 C API) and
// PostgresConnection (libpq).
//
//   SqlStatement q(conn, "SELECT id, recipient FROM messages WHERE firm_id = ? AND state = ?");
//   q.Bind(1, firm).Bind(2, "planned");           // or q.BindAll(firm, "planned")
//   while (q.Step()) Use(q.Int(0), q.Text(1));
//   SqlStatement(conn, "DELETE FROM t WHERE id = ?").Bind(1, id).Run();
//
// SQL is written once for both engines: '?' placeholders (rewritten to $1, $2
// on PostgreSQL), BIGINT unix seconds for time, INTEGER 0/1 for booleans,
// "INSERT ... ON CONFLICT" for upserts. What the engines spell differently is
// a named SqlVariant, never a branch in the caller.
//
// Statements are prepared once per connection and SQL text and cached there
// (preparing costs more than running most of the store's statements once).
// Values: Bind() does not copy text on SQLite; keep it valid until Step()/Run()
// is done with the row. Reading: columns count from 0; NULL reads as 0 / "".
//
// Batches: between BeginBatch() and EndBatch(), Run() of a statement may be
// queued instead of waiting for its answer (PostgreSQL pipeline mode: one round
// trip for many writes). One contract on both engines: Run() in a batch returns
// 0, and EndBatch() returns the rows changed by all statements Run() in the
// batch (summed), after waiting for the queued ones, and throws the first
// error. So a caller that needs one statement's own count runs it outside a
// batch. A Step() in a batch first waits for what is queued. On SQLite each
// Run() is a local call anyway: the batch only sums the counts. A batch does
// not nest (BeginBatch() in a batch throws).
//
// Threads: a connection and its statements belong to one thread at a time
// (Database hands them out one per thread). Failures throw DatabaseError with
// the engine's message and the statement's SQL, never a bound value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/store_error.h"

namespace kehrbote {

// What the engines spell differently. Text() gives the spelling for one engine.
enum class SqlVariant {
  // Appended to a SELECT that claims rows: PostgreSQL locks them and skips rows
  // another instance holds; SQLite (one writer per file) needs nothing.
  kClaimRowsOfM,
};

// One prepared statement of one engine. Use it through SqlStatement.
class PreparedStatement {
 public:
  virtual ~PreparedStatement() = default;
  virtual void BindText(int pos, std::string_view text) = 0;
  virtual void BindInt(int pos, int64_t value) = 0;
  virtual void BindNull(int pos) = 0;
  virtual bool Step() = 0;
  virtual int64_t Run() = 0;
  virtual int64_t Int(int col) const = 0;
  virtual double Real(int col) const = 0;
  virtual std::string_view TextView(int col) const = 0;
  virtual bool IsNull(int col) const = 0;
  virtual int Columns() const = 0;
  // Back to a fresh state (no row, no values) before it returns to the cache.
  virtual void Reset() = 0;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  // The engine. For the store layer's own use (Database, the SQL variants).
  virtual SqlDialect dialect() const = 0;
  // Runs `sql` without parameters; it may hold several statements separated by ';'.
  virtual void Execute(std::string_view sql) = 0;
  // The engine's spelling of `v` (may be empty).
  std::string_view Text(SqlVariant v) const;

  virtual void BeginBatch() {}
  virtual int64_t EndBatch() { return 0; }

  // False when the connection must not be reused: lost, or left inside a
  // transaction (Database's pool then closes it).
  virtual bool Reusable() const = 0;

  // A prepared statement for `sql` ('?' placeholders): a cached one when this
  // connection has one free, else newly prepared. For SqlStatement.
  virtual std::unique_ptr<PreparedStatement> Take(const std::string& sql) = 0;
  // Returns `st` (of `sql`) to the cache.
  virtual void Give(const std::string& sql, std::unique_ptr<PreparedStatement> st) = 0;
};

// A statement of one connection for as long as it lives; it goes back to the
// connection's cache when destroyed. Not copyable; movable.
class SqlStatement {
 public:
  SqlStatement(SqlConnection& connection, std::string_view sql);
  ~SqlStatement();
  SqlStatement(SqlStatement&&) noexcept;
  SqlStatement& operator=(SqlStatement&&) = delete;
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;

  // Positions start at 1, as in SQL.
  SqlStatement& Bind(int pos, std::string_view text) {
    st_->BindText(pos, text);
    return *this;
  }
  SqlStatement& Bind(int pos, const std::string& text) { return Bind(pos, std::string_view(text)); }
  SqlStatement& Bind(int pos, const char* text) { return Bind(pos, std::string_view(text)); }
  SqlStatement& Bind(int pos, int64_t value) {
    st_->BindInt(pos, value);
    return *this;
  }
  SqlStatement& Bind(int pos, int value) { return Bind(pos, static_cast<int64_t>(value)); }
  SqlStatement& Bind(int pos, long long value) { return Bind(pos, static_cast<int64_t>(value)); }
  SqlStatement& Bind(int pos, bool value) { return Bind(pos, static_cast<int64_t>(value ? 1 : 0)); }
  template <typename T>
  SqlStatement& Bind(int pos, const std::optional<T>& value) {
    return value ? Bind(pos, *value) : BindNull(pos);
  }
  SqlStatement& BindNull(int pos) {
    st_->BindNull(pos);
    return *this;
  }
  // Binds the values to positions 1, 2, ... in order.
  template <typename... Values>
  SqlStatement& BindAll(const Values&... values) {
    int pos = 0;
    (Bind(++pos, values), ...);
    return *this;
  }

  // Steps once: true if a row is ready (read it with the getters), false when
  // the statement is done (it is then ready to run again).
  bool Step() { return st_->Step(); }
  // Runs the statement to its end; returns the rows changed (0 in a batch: the
  // batch's EndBatch() counts them, see the file comment).
  int64_t Run() { return st_->Run(); }

  int64_t Int(int col) const { return st_->Int(col); }
  double Real(int col) const { return st_->Real(col); }
  std::string Text(int col) const { return std::string(st_->TextView(col)); }
  std::string_view TextView(int col) const { return st_->TextView(col); }  // until next Step()
  bool IsNull(int col) const { return st_->IsNull(col); }
  std::optional<int64_t> OptionalInt(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<int64_t>(Int(col));
  }
  int Columns() const { return st_->Columns(); }

 private:
  SqlConnection* connection_;
  std::string sql_;
  std::unique_ptr<PreparedStatement> st_;
};

// A batch for as long as it lives (see the file comment): Finish() ends it and
// returns the rows all its statements changed (their Run() returned 0); a batch
// not finished (an exception) is ended quietly, and the caller's transaction
// rolls back.
class SqlBatch {
 public:
  explicit SqlBatch(SqlConnection& c) : c_(&c) { c.BeginBatch(); }
  ~SqlBatch() {
    if (!c_) return;
    try {
      c_->EndBatch();
    } catch (...) {
    }
  }
  SqlBatch(const SqlBatch&) = delete;
  SqlBatch& operator=(const SqlBatch&) = delete;
  int64_t Finish() {
    SqlConnection* c = c_;
    c_ = nullptr;
    return c->EndBatch();
  }

 private:
  SqlConnection* c_;
};

// Runs a query with `values` bound and returns the first column of its first
// row, or nullopt when there is no row (or it is NULL). For counts and lookups.
template <typename... Values>
std::optional<int64_t> QueryInt(SqlConnection& c, std::string_view sql, const Values&... values) {
  SqlStatement q(c, sql);
  q.BindAll(values...);
  std::optional<int64_t> out;
  if (q.Step()) out = q.OptionalInt(0);
  while (q.Step()) {
  }
  return out;
}

template <typename... Values>
std::optional<std::string> QueryText(SqlConnection& c, std::string_view sql,
                                     const Values&... values) {
  SqlStatement q(c, sql);
  q.BindAll(values...);
  std::optional<std::string> out;
  if (q.Step() && !q.IsNull(0)) out = q.Text(0);
  while (q.Step()) {
  }
  return out;
}

// Runs a statement with `values` bound; returns the rows changed.
template <typename... Values>
int64_t Execute(SqlConnection& c, std::string_view sql, const Values&... values) {
  SqlStatement q(c, sql);
  q.BindAll(values...);
  return q.Run();
}

// Splits `sql` at ';' (outside quoted literals) into single statements.
std::vector<std::string> SplitSqlStatements(std::string_view sql);

// Rewrites '?' placeholders (outside '...' and "..." literals) to $1, $2, ...
std::string NumberPlaceholders(std::string_view sql, int* count = nullptr);

}  // namespace kehrbote
