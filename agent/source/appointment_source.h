// AppointmentSource: the office software's appointments, one at a time.
//
// A source is opened for a window of local dates and then yields export
// Appointments one by one (streaming: 100,000 rows never sit in memory twice).
// Rows that cannot become an appointment (missing id, unparseable date, unknown
// kind, duplicate id, ...) are skipped and listed in the SourceReport with their
// row number, id (if any) and reason; the export goes on without them. Rows whose
// date lies outside the window are left out and only counted.
//
// A source that cannot be read at all (file missing, no connection, SQL error, a
// mapped column that the result does not have) throws SourceError naming the file
// or connection and the reason.
//
//   auto source = OpenSource(config.source, first_day, last_day);
//   Appointment a;
//   while (source->Next(&a)) writer.Add(a);
//   source->report().Summary();
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "shared/export/export_model.h"

namespace kehrbote {

class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SkippedRow {
  std::string where;   // "row 17" (SQL result row) or "orders.csv:17" (CSV line)
  std::string id;      // the row's appointment id, empty if it had none
  std::string reason;  // "unparseable date '31.02.2026'"
};

struct SourceReport {
  int64_t rows_read = 0;       // data rows seen (without CSV header lines)
  int64_t appointments = 0;    // rows that became appointments
  int64_t outside_window = 0;  // rows left out because of their date
  std::vector<SkippedRow> skipped;
  // "100000 rows read, 99998 appointments, 0 outside the window, 2 skipped"
  std::string Summary() const;
};

class AppointmentSource {
 public:
  virtual ~AppointmentSource() = default;
  // The next appointment of the window; false when the source is exhausted.
  // Throws SourceError if reading fails midway.
  virtual bool Next(Appointment* out) = 0;
  virtual const SourceReport& report() const = 0;
  // Where the appointment last returned by Next came from ("row 17", "a.csv:17").
  virtual const std::string& where() const = 0;
  // "sqlite /var/lib/office.db" or "csv /srv/export/termine-*.csv", for messages.
  virtual std::string Describe() const = 0;
};

// Opens the configured source for the local dates [first_day, last_day].
// Throws SourceError.
std::unique_ptr<AppointmentSource> OpenSource(const SourceConfig& config, LocalTime first_day,
                                              LocalTime last_day);

}  // namespace kehrbote
