#include "agent/source/appointment_source.h"

#include "agent/source/csv_source.h"
#include "agent/source/sql_source.h"

namespace kehrbote {

std::string SourceReport::Summary() const {
  return std::to_string(rows_read) + " rows read, " + std::to_string(appointments) +
         " appointments, " + std::to_string(outside_window) + " outside the window, " +
         std::to_string(skipped.size()) + " skipped";
}

std::unique_ptr<AppointmentSource> OpenSource(const SourceConfig& config, LocalTime first_day,
                                              LocalTime last_day) {
  if (config.type == SourceType::kCsv) {
    return std::make_unique<CsvSource>(config, first_day, last_day);
  }
  return std::make_unique<SqlSource>(config, first_day, last_day);
}

}  // namespace kehrbote
