#include "dispatcher/store/sqlite_connection.h"

#include <sqlite3.h>

namespace kehrbote {
namespace {

class SqlitePrepared : public PreparedStatement {
 public:
  SqlitePrepared(SqliteConnection& c, const std::string& sql) : c_(c), db_(c.handle()), sql_(sql) {
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &st_, nullptr) != SQLITE_OK)
      Fail("prepare");
  }
  ~SqlitePrepared() override { sqlite3_finalize(st_); }

  void BindText(int pos, std::string_view text) override {
    // An empty view may have no data pointer, which SQLite would bind as NULL:
    // text is text, empty or not (as on PostgreSQL).
    const char* data = text.data() ? text.data() : "";
    Check(sqlite3_bind_text(st_, pos, data, static_cast<int>(text.size()), SQLITE_STATIC));
  }
  void BindInt(int pos, int64_t value) override { Check(sqlite3_bind_int64(st_, pos, value)); }
  void BindNull(int pos) override { Check(sqlite3_bind_null(st_, pos)); }

  bool Step() override {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(st_);
    if (rc != SQLITE_DONE) Fail("step");
    return false;
  }
  int64_t Run() override {
    while (Step()) {
    }
    return c_.Changed(sqlite3_changes64(db_));
  }

  int64_t Int(int col) const override { return sqlite3_column_int64(st_, col); }
  double Real(int col) const override { return sqlite3_column_double(st_, col); }
  std::string_view TextView(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    if (!p) return {};
    return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)));
  }
  bool IsNull(int col) const override { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int Columns() const override { return sqlite3_column_count(st_); }
  void Reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);  // text was bound without a copy
  }

 private:
  void Check(int rc) const {
    if (rc != SQLITE_OK) Fail("bind");
  }
  [[noreturn]] void Fail(const char* what) const {
    throw DatabaseError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_) +
                        " (in: " + sql_ + ")");
  }

  SqliteConnection& c_;
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
};

}  // namespace

SqliteConnection::SqliteConnection(const std::string& file, std::string description,
                                   std::chrono::milliseconds busy_timeout)
    : description_(std::move(description)) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError("cannot open database '" + description_ + "': " + why);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  Execute("PRAGMA foreign_keys = ON");
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // SQLite refuses to close a connection with statements left
  sqlite3_close(db_);
}

bool SqliteConnection::Reusable() const { return sqlite3_get_autocommit(db_) != 0; }

void SqliteConnection::Execute(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return;
  std::string why = error ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  throw DatabaseError("database '" + description_ + "': " + why + " (in: " + text + ")");
}

std::unique_ptr<PreparedStatement> SqliteConnection::Take(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) return std::make_unique<SqlitePrepared>(*this, sql);
  std::unique_ptr<PreparedStatement> st = std::move(it->second);
  cache_.erase(it);
  return st;
}

void SqliteConnection::Give(const std::string& sql, std::unique_ptr<PreparedStatement> st) {
  // SQL built per call (IN lists, multi-row batches) would otherwise pile up.
  if (cache_.size() < kCachedStatements) cache_.emplace(sql, std::move(st));
}

void SqliteConnection::BeginBatch() {
  if (in_batch_) throw DatabaseError("database '" + description_ + "': batch already open");
  in_batch_ = true;
  batch_changed_ = 0;
}

int64_t SqliteConnection::EndBatch() {
  if (!in_batch_) return 0;
  in_batch_ = false;
  return batch_changed_;
}

int64_t SqliteConnection::Changed(int64_t changed) {
  if (!in_batch_) return changed;
  batch_changed_ += changed;
  return 0;
}

}  // namespace kehrbote
