// CsvSource: appointments from CSV files written by the office software.
//
// The configured path may be a glob ("termine-*.csv"); all matching files are
// read in name order, each with its own header row. Text is converted to UTF-8
// from the configured encoding (UTF-8 with or without BOM, Windows-1252,
// ISO-8859-15) with Poco's text encodings. A field that is not valid UTF-8 in a
// UTF-8 file skips its row (the encoding setting is probably wrong). Skipped rows
// are named "<file name>:<line>".
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent/source/appointment_source.h"
#include "agent/source/csv_reader.h"
#include "agent/source/row_mapper.h"

namespace Poco {
class TextConverter;
class TextEncoding;
}  // namespace Poco

namespace kehrbote {

class CsvSource final : public AppointmentSource {
 public:
  // Finds the files and reads the first header. Throws SourceError.
  CsvSource(const SourceConfig& config, LocalTime first_day, LocalTime last_day);
  ~CsvSource() override;

  bool Next(Appointment* out) override;
  const SourceReport& report() const override { return report_; }
  std::string Describe() const override;
  const std::string& where() const override { return where_; }

 private:
  // Opens files_[next_file_]; false if there is none left.
  bool OpenNextFile();
  // Converts raw field bytes to UTF-8; false if they are not valid in the encoding.
  bool Decode(const std::string& raw, std::string* out);

  const SourceConfig& config_;
  LocalTime first_day_, last_day_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  std::string file_name_;  // current file, for "name:line"
  std::unique_ptr<std::ifstream> in_;
  std::unique_ptr<CsvReader> reader_;
  std::unique_ptr<RowMapper> mapper_;
  std::vector<std::string> header_;
  std::unique_ptr<Poco::TextEncoding> from_, to_;
  std::unique_ptr<Poco::TextConverter> converter_;
  SourceReport report_;
  std::string where_;
  std::vector<std::string> raw_;
  std::vector<Cell> cells_;
};

}  // namespace kehrbote
