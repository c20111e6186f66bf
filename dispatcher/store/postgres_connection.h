// PostgresConnection: the store layer on one libpq connection.
//
// Statements are prepared on the server once per connection and SQL text
// (named "k1", "k2", ...) and run with text parameters; a query's rows are read
// whole when it is first stepped. Batches use libpq's pipeline mode: queued
// writes are sent without waiting, and every kPipelineChunk of them (and at
// EndBatch) the connection syncs and reads their answers, so neither side's
// socket buffer can fill up and stall the other.
//
// Besides the common interface it offers what the store copy needs: COPY FROM
// STDIN, simple queries returning all rows as text, and an error's fields
// (SQLSTATE, the COPY line) apart.
//
// Failures throw PostgresError. Its message never holds a value of a row (the
// server's DETAIL, "Failing row contains (...)", and CONTEXT, which quotes the
// column's value, are left out; quoted words of the primary message that are
// not names the caller declared known or the server named as schema objects
// are masked): a store holds names, phone numbers and addresses. The
// destructor closes the connection; the server rolls back an open transaction.
// Threads: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dispatcher/store/sql_connection.h"

struct pg_conn;
struct pg_result;

namespace kehrbote {

class PostgresError : public DatabaseError {
 public:
  PostgresError(const std::string& message, std::string sqlstate, int64_t copy_line)
      : DatabaseError(message), sqlstate_(std::move(sqlstate)), copy_line_(copy_line) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The line of COPY data the server refused (1 = the first of that COPY), 0 if
  // the error names none.
  int64_t copy_line() const { return copy_line_; }

 private:
  std::string sqlstate_;
  int64_t copy_line_;
};

class PostgresConnection : public SqlConnection {
 public:
  using Row = std::vector<std::optional<std::string>>;  // nullopt: NULL
  static constexpr int kPipelineChunk = 256;
  static constexpr size_t kCachedStatements = 128;

  // Connects with a libpq connection string (key=value or URI); `description`
  // (the masked URL) names the database in errors.
  PostgresConnection(const std::string& conninfo, std::string description);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  SqlDialect dialect() const override { return SqlDialect::kPostgresql; }
  void Execute(std::string_view sql) override;
  bool Reusable() const override;
  void BeginBatch() override;
  int64_t EndBatch() override;
  std::unique_ptr<PreparedStatement> Take(const std::string& sql) override;
  void Give(const std::string& sql, std::unique_ptr<PreparedStatement> st) override;

  // Words that may stay in error messages (table, column and constraint names).
  void set_known_names(std::set<std::string, std::less<>> names) { known_ = std::move(names); }

  // Runs one statement with text parameters ($1, $2, ...); returns its rows.
  std::vector<Row> Query(const std::string& sql, const std::vector<std::string>& params = {});
  void Exec(const std::string& sql) { Query(sql); }

  // Runs `copy_sql` (COPY ... FROM STDIN) with `data` in COPY text format;
  // returns the rows the server took.
  int64_t CopyIn(const std::string& copy_sql, std::string_view data);

  // For the prepared statements of this connection.
  ::pg_conn* handle() { return conn_; }
  bool in_batch() const { return in_batch_; }
  // Queues the statement `name` in the pipeline (in a batch only).
  void Queue(const std::string& name, const std::string& sql, int count, const char* const* values,
             const int* lengths);
  // Waits for every queued statement (leaves pipeline mode for a synchronous
  // call when `leave` is set); adds their changed rows to the batch's sum.
  void Drain(bool leave);
  [[noreturn]] void Fail(const std::string& what, const ::pg_result* result) const;

 private:
  PostgresError MakeError(const std::string& what, const ::pg_result* result) const;

  ::pg_conn* conn_ = nullptr;
  std::string description_;
  std::set<std::string, std::less<>> known_;
  std::unordered_multimap<std::string, std::unique_ptr<PreparedStatement>> cache_;
  int next_name_ = 0;
  bool in_batch_ = false;
  bool pipeline_ = false;   // libpq in pipeline mode
  int queued_ = 0;          // statements sent since the last sync
  std::string queued_sql_;  // the first queued statement's SQL, for errors
  int64_t batch_changed_ = 0;
};

// `message` with every "quoted" word that is not in `known` replaced by "***".
std::string MaskQuotedValues(std::string_view message,
                             const std::set<std::string, std::less<>>& known);

}  // namespace kehrbote
