// Store tests run the same suite against SQLite and PostgreSQL: a test
// parametrized with SqlDialect gets a fresh, empty database of that kind.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "dispatcher/store/database.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

// A fresh database for one test: a new SQLite file in a temp dir, or a new
// database on the shared throwaway PostgreSQL server.
class FreshDatabase {
 public:
  explicit FreshDatabase(SqlDialect dialect, DatabaseOptions options = {}) {
    if (dialect == SqlDialect::kSqlite) {
      dir_ = std::make_unique<TempDir>("kehrbote-store-");
      url_ = "sqlite:" + dir_->Sub("db/dispatcher.db");
    } else {
      static std::atomic<int> counter{0};
      std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
      url_ = SharedPostgresServer().CreateDatabase(name);
    }
    db_ = Database::Open(url_, options);
  }
  Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  std::string dir() const { return dir_ ? dir_->path() : ""; }
  // Another Database on the same store, as a second process would have.
  std::unique_ptr<Database> OpenAgain(DatabaseOptions options = {}) { return Database::Open(url_, options); }

 private:
  std::unique_ptr<TempDir> dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

inline std::string DialectName(const ::testing::TestParamInfo<SqlDialect>& info) {
  return std::string(ToString(info.param));
}

}  // namespace kehrbote::test
