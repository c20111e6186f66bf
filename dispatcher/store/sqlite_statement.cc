#include "dispatcher/store/sqlite_statement.h"

#include <sqlite3.h>

#include <Poco/Data/SQLite/Utility.h>

#include "dispatcher/store/database.h"

namespace kehrbote {

SqliteStatement::SqliteStatement(Poco::Data::Session& session, std::string_view sql)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)), sql_(sql) {
  if (sqlite3_prepare_v2(db_, sql_.data(), static_cast<int>(sql_.size()), &st_, nullptr) !=
      SQLITE_OK)
    Fail("prepare");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(st_); }

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
