// Builds export files for the ingest tests and the benchmark with the real
// ExportWriter, so what ingest reads is exactly what an agent uploads.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "shared/export/export_model.h"
#include "shared/export/export_writer.h"
#include "shared/time/zoned_time.h"

namespace kehrbote::test {

inline ExportHeader MakeHeader(const std::string& firm_id, const std::string& generated_at,
                               const std::string& window_from = "2026-11-23",
                               const std::string& window_to = "2026-12-31") {
  ExportHeader h;
  h.firm.id = firm_id;
  h.firm.name = "Rauchfangkehrermeister " + firm_id;
  h.firm.timezone = "Europe/Vienna";
  h.firm.country = "AT";
  h.firm.phone = "01 234567";
  h.firm.heartbeat_contacts = {{ContactChannel::kSms, "0664 1234567"}};
  h.generated_at = *ParseRfc3339(generated_at);
  h.window_from = *ParseLocalDate(window_from);
  h.window_to = *ParseLocalDate(window_to);
  return h;
}

// A scheduled sweep on `date` at `time` ("08:30") with one SMS contact.
inline Appointment MakeAppointment(const std::string& id, const std::string& date,
                                   const std::string& time = "08:30") {
  Appointment a;
  a.id = id;
  a.kind = AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate(date);
  a.start.time = *ParseTimeOfDay(time);
  a.status = AppointmentStatus::kScheduled;
  a.object = {"O-" + id, "Hauptstraße 1", "1010", "Wien"};
  a.customer = {"Frau", "", "Anna", "Huber-" + id, ""};
  a.contacts = {{ContactChannel::kSms, "0664 1234567", true, false}};
  return a;
}

inline std::string WriteExport(const ExportHeader& h, const std::vector<Appointment>& appointments) {
  std::ostringstream out;
  ExportWriter writer(out, h, "test-export");
  for (const auto& a : appointments) writer.Add(a);
  writer.Finish();
  return out.str();
}

}  // namespace kehrbote::test
