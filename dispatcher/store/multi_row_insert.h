// MultiRowInsert: many rows into one table in as few statements as the engine
// needs, written once for both engines.
//
//   MultiRowInsert ins(c, "skips", {{"firm_id", SqlType::kText}, {"kind", SqlType::kText},
//                                   {"created_at", SqlType::kInt}},
//                      "ON CONFLICT (firm_id, kind) DO NOTHING");
//   for (const Skip& s : skips) ins.Row(s.firm, s.kind, now);
//   int64_t inserted = ins.Finish();
//
// PostgreSQL: the rows collect client-side, one array per column, and go as one
//   INSERT INTO t (c1, c2) SELECT * FROM unnest($1::text[], $2::bigint[]) AS r <tail>
// per kRowsPerStatement rows (and at Finish()). The server then starts its
// executor once for many rows instead of once per row: for a planned message
// (four indexes) the per-row statements cost about as much again as the insert
// itself (docs/dispatcher-store.md, "Writing"). SQLite: one prepared single-row
// INSERT per row, a local call each; nothing collects.
//
// Contract:
//   - Row() takes the values in column order (text, integers, std::optional of
//     either for NULL); a wrong count throws DatabaseError naming the table.
//   - Finish() sends what is left and returns the rows the statements changed
//     (inserted, or updated by a DO UPDATE tail). Inside a SqlBatch the batch
//     counts them and Finish() returns 0 (sql_connection.h). Rows not finished
//     when the object dies are dropped on PostgreSQL (an exception unwinds: the
//     caller's transaction rolls back anyway).
//   - `tail` follows the rows: an ON CONFLICT clause or "". With DO UPDATE, two
//     rows of one statement must not hit the same key (PostgreSQL refuses a
//     command that changes a row twice); DO NOTHING has no such limit.
//   - Failures throw DatabaseError naming the table's statement, never a value.
// Threads: as the connection (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/sql_connection.h"

namespace kehrbote {

enum class SqlType { kText, kInt };

struct SqlColumn {
  std::string name;
  SqlType type = SqlType::kText;
};

class MultiRowInsert {
 public:
  // Rows per statement on PostgreSQL: bounds the client's arrays (a planned
  // message is about 0.5 kB) and the statement's size.
  static constexpr int kRowsPerStatement = 1000;

  MultiRowInsert(SqlConnection& c, std::string_view table, const std::vector<SqlColumn>& columns,
                 std::string_view tail = "");
  MultiRowInsert(const MultiRowInsert&) = delete;
  MultiRowInsert& operator=(const MultiRowInsert&) = delete;

  template <typename... Values>
  void Row(const Values&... values) {
    CheckCount(sizeof...(Values));
    if (!collect_) {
      statement_.BindAll(values...);
      changed_ += statement_.Run();
      return;
    }
    size_t column = 0;
    (Put(column++, values), ...);
    if (++rows_ >= kRowsPerStatement) Flush();
  }

  int64_t Finish();

 private:
  void CheckCount(size_t values) const;
  void Put(size_t column, std::string_view text);
  void Put(size_t column, const std::string& text) { Put(column, std::string_view(text)); }
  void Put(size_t column, const char* text) { Put(column, std::string_view(text)); }
  void Put(size_t column, int64_t value);
  void Put(size_t column, int value) { Put(column, static_cast<int64_t>(value)); }
  void Put(size_t column, long long value) { Put(column, static_cast<int64_t>(value)); }
  template <typename T>
  void Put(size_t column, const std::optional<T>& value) {
    if (value)
      Put(column, *value);
    else
      PutNull(column);
  }
  void PutNull(size_t column);
  std::string& Element(size_t column);  // the column's array, a ',' added if needed
  void Flush();

  const std::string table_;
  const size_t columns_;
  const bool collect_;  // PostgreSQL: rows go as arrays
  SqlStatement statement_;
  std::vector<std::string> arrays_;  // one array literal per column, without the closing '}'
  int rows_ = 0;                     // rows in arrays_
  int64_t changed_ = 0;
};

// `text` as an element of a PostgreSQL array literal: "..." with '"' and '\'
// escaped. Appended to `out`.
void AppendArrayElement(std::string& out, std::string_view text);

}  // namespace kehrbote
