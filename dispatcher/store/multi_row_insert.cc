#include "dispatcher/store/multi_row_insert.h"

namespace kehrbote {
namespace {

std::string ColumnList(const std::vector<SqlColumn>& columns) {
  std::string out;
  for (const SqlColumn& c : columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

// One statement for all rows of the arrays (PostgreSQL), or for one row.
std::string InsertSql(std::string_view table, const std::vector<SqlColumn>& columns,
                      std::string_view tail, bool arrays) {
  std::string sql = "INSERT INTO " + std::string(table) + " (" + ColumnList(columns) + ") ";
  if (arrays) {
    sql += "SELECT * FROM unnest(";
    for (size_t i = 0; i < columns.size(); ++i)
      sql += std::string(i ? ", " : "") +
             (columns[i].type == SqlType::kInt ? "?::bigint[]" : "?::text[]");
    sql += ") AS r";
  } else {
    sql += "VALUES (";
    for (size_t i = 0; i < columns.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  if (!tail.empty()) sql += " " + std::string(tail);
  return sql;
}

}  // namespace

void AppendArrayElement(std::string& out, std::string_view text) {
  out += '"';
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

MultiRowInsert::MultiRowInsert(SqlConnection& c, std::string_view table,
                               const std::vector<SqlColumn>& columns, std::string_view tail)
    : table_(table),
      columns_(columns.size()),
      collect_(c.dialect() == SqlDialect::kPostgresql),
      statement_(c, InsertSql(table, columns, tail, collect_)),
      arrays_(collect_ ? columns.size() : 0, "{") {}

void MultiRowInsert::CheckCount(size_t values) const {
  if (values != columns_)
    throw DatabaseError("insert into " + table_ + ": " + std::to_string(values) + " values for " +
                        std::to_string(columns_) + " columns");
}

std::string& MultiRowInsert::Element(size_t column) {
  std::string& a = arrays_[column];
  if (rows_ > 0) a += ',';
  return a;
}

void MultiRowInsert::Put(size_t column, std::string_view text) {
  AppendArrayElement(Element(column), text);
}

void MultiRowInsert::Put(size_t column, int64_t value) { Element(column) += std::to_string(value); }

void MultiRowInsert::PutNull(size_t column) { Element(column) += "NULL"; }

void MultiRowInsert::Flush() {
  if (rows_ == 0) return;
  for (size_t i = 0; i < arrays_.size(); ++i) {
    arrays_[i] += '}';
    statement_.Bind(static_cast<int>(i) + 1, arrays_[i]);
  }
  // PostgreSQL's Bind() copies the value: the arrays start again before the run.
  rows_ = 0;
  arrays_.assign(arrays_.size(), "{");
  changed_ += statement_.Run();
}

int64_t MultiRowInsert::Finish() {
  if (collect_) Flush();
  const int64_t changed = changed_;
  changed_ = 0;
  return changed;
}

}  // namespace kehrbote
