// SqlSource: appointments from the office database through Poco::Data (SQLite,
// PostgreSQL, ODBC; ODBC reaches Access and SQL Server on Windows).
//
// The configured query names the window's days as `:first_day` and `:last_day`;
// they are rewritten to the connector's positional placeholders ("?" or "$1") and
// bound as SQL DATEs (or as "YYYY-MM-DD" text with bind_days_as: text). The result
// is fetched in batches of a few thousand rows, so memory stays flat however many
// rows the query returns. Typed DATE/TIMESTAMP/TIME columns are used as they are;
// text columns are parsed with the configured formats. Passwords in the connection
// string never appear in messages.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/source/appointment_source.h"
#include "agent/source/row_mapper.h"

namespace Poco::Data {
class Session;
class Statement;
class RecordSet;
}  // namespace Poco::Data

namespace kehrbote {

class SqlSource final : public AppointmentSource {
 public:
  // Connects and runs the query. Throws SourceError.
  SqlSource(const SourceConfig& config, LocalTime first_day, LocalTime last_day);
  ~SqlSource() override;
  SqlSource(const SqlSource&) = delete;
  SqlSource& operator=(const SqlSource&) = delete;

  bool Next(Appointment* out) override;
  const SourceReport& report() const override { return report_; }
  std::string Describe() const override;
  const std::string& where() const override { return where_; }

  // Rows fetched per round trip.
  static constexpr size_t kBatchRows = 2000;

 private:
  bool FetchBatch();  // false when the result is exhausted
  [[noreturn]] void Fail(const std::string& what, const std::string& reason) const;

  const SourceConfig& config_;
  LocalTime first_day_, last_day_;
  std::unique_ptr<Poco::Data::Session> session_;
  std::unique_ptr<Poco::Data::Statement> statement_;
  std::unique_ptr<Poco::Data::RecordSet> batch_;
  size_t batch_rows_ = 0, batch_pos_ = 0;
  bool exhausted_ = false;
  std::unique_ptr<RowMapper> mapper_;
  // Typed access to the batch's columns where Poco's storage type is known, so a
  // cell is read without a Dynamic::Var (the fast path for text and integers).
  struct ColumnAccess;
  std::vector<ColumnAccess> access_;
  std::vector<Cell> cells_;
  SourceReport report_;
  std::string where_;
};

// Replaces `:first_day` / `:last_day` (outside quoted literals) by positional
// placeholders: "?" or, if `dollar`, "$1", "$2", ... Returns the SQL and, in order,
// which day each placeholder is (false = first, true = last).
std::string RewriteDayPlaceholders(const std::string& sql, bool dollar, std::vector<bool>* order);

// The connection string with password values replaced by "***".
std::string MaskConnectionString(const std::string& connection);

}  // namespace kehrbote
