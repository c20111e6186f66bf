#include "dispatcher/store/sqlite_statement.h"

#include <sqlite3.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include <Poco/Data/SQLite/Utility.h>

#include "dispatcher/store/database.h"

namespace kehrbote {
namespace {

// Prepared statements not in use, per connection and SQL text. Preparing costs
// more than running most of these statements once (the planner's per-firm
// queries: tens of microseconds of SQL parsing each, thousands per pass).
class StatementCache {
 public:
  // Most statements kept per connection; SQL built per call (IN lists, multi-row
  // batches) would otherwise pile up.
  static constexpr size_t kPerConnection = 64;

  sqlite3_stmt* Take(sqlite3* db, const std::string& sql) {
    std::lock_guard<std::mutex> lock(mu_);
    auto conn = free_.find(db);
    if (conn == free_.end()) return nullptr;
    auto it = conn->second.find(sql);
    if (it == conn->second.end()) return nullptr;
    sqlite3_stmt* st = it->second;
    conn->second.erase(it);
    return st;
  }

  // Keeps `st` (reset, bindings cleared) for the next user of the same SQL.
  void Give(sqlite3* db, const std::string& sql, sqlite3_stmt* st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);  // text was bound without a copy
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& conn = free_[db];
      if (conn.size() < kPerConnection) {
        conn.emplace(sql, st);
        return;
      }
    }
    sqlite3_finalize(st);
  }

  void FinalizeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [db, statements] : free_)
      for (auto& [sql, st] : statements) sqlite3_finalize(st);
    free_.clear();
  }

 private:
  std::mutex mu_;
  std::unordered_map<sqlite3*, std::unordered_multimap<std::string, sqlite3_stmt*>> free_;
};

StatementCache& Cache() {
  static StatementCache* cache = new StatementCache;  // used until exit
  return *cache;
}

}  // namespace

SqliteStatement::SqliteStatement(Poco::Data::Session& session, std::string_view sql)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)), sql_(sql) {
  st_ = Cache().Take(db_, sql_);
  if (st_) return;
  if (sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()),
                         SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK)
    Fail("prepare");
}

SqliteStatement::~SqliteStatement() {
  if (st_) Cache().Give(db_, sql_, st_);
}

void SqliteStatement::FinalizeCached() { Cache().FinalizeAll(); }

SqliteStatement& SqliteStatement::Bind(int pos, std::string_view text) {
  if (sqlite3_bind_text(st_, pos, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) !=
      SQLITE_OK)
    Fail("bind");
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int pos, int64_t value) {
  if (sqlite3_bind_int64(st_, pos, value) != SQLITE_OK) Fail("bind");
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int pos) {
  if (sqlite3_bind_null(st_, pos) != SQLITE_OK) Fail("bind");
  return *this;
}

bool SqliteStatement::Step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    sqlite3_reset(st_);
    Fail("step");
  }
  sqlite3_reset(st_);
  return false;
}

int SqliteStatement::Run() {
  while (Step()) {
  }
  return sqlite3_changes(db_);
}

int64_t SqliteStatement::Int(int col) const { return sqlite3_column_int64(st_, col); }

std::string SqliteStatement::Text(int col) const { return std::string(TextView(col)); }

std::string_view SqliteStatement::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
  if (!p) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)));
}

bool SqliteStatement::IsNull(int col) const {
  return sqlite3_column_type(st_, col) == SQLITE_NULL;
}

void SqliteStatement::Fail(const char* what) const {
  throw DatabaseError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_) + " (in: " +
                      sql_ + ")");
}

}  // namespace kehrbote
