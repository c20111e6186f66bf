#include "dispatcher/store/sql_connection.h"

namespace kehrbote {

std::string_view ToString(SqlDialect d) {
  return d == SqlDialect::kSqlite ? "sqlite" : "postgresql";
}

std::string_view SqlConnection::Text(SqlVariant v) const {
  const bool pg = dialect() == SqlDialect::kPostgresql;
  switch (v) {
    case SqlVariant::kClaimRowsOfM:
      return pg ? " FOR UPDATE OF m SKIP LOCKED" : "";
  }
  return "";
}

SqlStatement::SqlStatement(SqlConnection& connection, std::string_view sql)
    : connection_(&connection), sql_(sql), st_(connection.Take(sql_)) {}

SqlStatement::SqlStatement(SqlStatement&& other) noexcept
    : connection_(other.connection_), sql_(std::move(other.sql_)), st_(std::move(other.st_)) {}

SqlStatement::~SqlStatement() {
  if (!st_) return;
  try {
    st_->Reset();
    connection_->Give(sql_, std::move(st_));
  } catch (...) {
    // A statement that cannot be reset is dropped, not cached.
  }
}

namespace {

// Calls `on_char(c, quoted)` for each character of `sql`; `quoted` is true
// inside '...' and "..." literals (their quotes included).
template <typename OnChar>
void Scan(std::string_view sql, OnChar on_char) {
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      on_char(c, true);
    } else if (c == '\'' || c == '"') {
      quote = c;
      on_char(c, true);
    } else {
      on_char(c, false);
    }
  }
}

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

std::vector<std::string> SplitSqlStatements(std::string_view sql) {
  std::vector<std::string> out;
  std::string cur;
  Scan(sql, [&](char c, bool quoted) {
    if (c == ';' && !quoted) {
      if (!Blank(cur)) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  });
  if (!Blank(cur)) out.push_back(cur);
  return out;
}

std::string NumberPlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  Scan(sql, [&](char c, bool quoted) {
    if (c == '?' && !quoted) {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  });
  if (count) *count = n;
  return out;
}

}  // namespace kehrbote
