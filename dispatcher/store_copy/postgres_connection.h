// PostgresConnection: one libpq connection of the store copy, for what the
// pooled Poco::Data sessions do not offer: COPY FROM STDIN, and an error's
// fields (SQLSTATE, table, column, constraint, the COPY line) apart.
//
//   PostgresConnection pg(conninfo, MaskStoreUrl(url));
//   pg.Exec("BEGIN");
//   pg.CopyIn("COPY t (a, b) FROM STDIN", "1\tx\n2\ty\n");   // text format
//   pg.Exec("COMMIT");
//
// Failures throw PostgresError. Its message never holds a value of a row (the
// server's DETAIL, "Failing row contains (...)", and CONTEXT, which quotes the
// column's value, are left out; quoted words of the primary message that are
// not names the caller declared known are masked): a store holds names, phone
// numbers and addresses. The destructor closes the connection; the server
// rolls back an open transaction then.
// Threads: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/database.h"

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

class PostgresConnection {
 public:
  using Row = std::vector<std::optional<std::string>>;  // nullopt: NULL

  // Connects with a libpq connection string (key=value or URI); `description`
  // (the masked URL) names the database in errors.
  PostgresConnection(const std::string& conninfo, std::string description);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  // Words that may stay in error messages (table, column and constraint names).
  void set_known_names(std::set<std::string, std::less<>> names) { known_ = std::move(names); }

  // Runs one statement with text parameters ($1, $2, ...); returns its rows.
  std::vector<Row> Query(const std::string& sql, const std::vector<std::string>& params = {});
  void Exec(const std::string& sql) { Query(sql); }

  // Runs `copy_sql` (COPY ... FROM STDIN) with `data` in COPY text format;
  // returns the rows the server took.
  int64_t CopyIn(const std::string& copy_sql, std::string_view data);

 private:
  [[noreturn]] void Fail(const std::string& what, const ::pg_result* result) const;

  ::pg_conn* conn_ = nullptr;
  std::string description_;
  std::set<std::string, std::less<>> known_;
};

// `message` with every "quoted" word that is not in `known` replaced by "***".
std::string MaskQuotedValues(std::string_view message,
                             const std::set<std::string, std::less<>>& known);

}  // namespace kehrbote
