// SqliteConnection: the store layer on one sqlite3 connection (the C API
// directly: Poco::Data compiled the SQL again for every statement, which cost
// more than SQLite's own work on the hot paths).
//
// Opened by Database with the store's settings (busy timeout, foreign keys);
// its statements are cached per SQL text (at most kCachedStatements) and
// finalized when the connection closes.
// Threads: one thread at a time (Database hands it out).
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "dispatcher/store/sql_connection.h"

struct sqlite3;

namespace kehrbote {

class SqliteConnection : public SqlConnection {
 public:
  static constexpr size_t kCachedStatements = 64;

  // Opens (creating) `file`; throws DatabaseError naming `description`.
  SqliteConnection(const std::string& file, std::string description,
                   std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  void Execute(std::string_view sql) override;
  bool Reusable() const override;
  std::unique_ptr<PreparedStatement> Take(const std::string& sql) override;
  void Give(const std::string& sql, std::unique_ptr<PreparedStatement> st) override;
  // A batch only sums the rows its statements change (each Run() is a local
  // call anyway): the contract of sql_connection.h, the same as PostgreSQL's.
  void BeginBatch() override;
  int64_t EndBatch() override;
  // For its statements: in a batch, `changed` is added to the batch's sum and
  // Run() returns 0; else Run() returns `changed`.
  int64_t Changed(int64_t changed);

  // For the WAL checkpointer and PRAGMAs of the store layer.
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string description_;
  bool in_batch_ = false;
  int64_t batch_changed_ = 0;
  std::unordered_multimap<std::string, std::unique_ptr<PreparedStatement>> cache_;
};

}  // namespace kehrbote
