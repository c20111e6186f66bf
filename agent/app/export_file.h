// WriteExportFile: reads the configured source for today's window and writes the
// export (format v1) to a private file (0600), streaming row by row.
//
// The file appears atomically: it is written as "<path>.tmp", synced and renamed,
// so a reader (or the spool) never sees half an export. Rows the source cannot
// map and appointments the ExportWriter refuses are left out and listed in the
// result; the export goes on without them. A source that cannot be read at all
// throws SourceError (no file is left behind).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/source/appointment_source.h"
#include "shared/env/env.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct ExportRun {
  std::string path;
  std::string source;    // AppointmentSource::Describe()
  LocalTime first_day{}, last_day{};
  Instant generated_at{};
  SourceReport report;   // rows, appointments written, skipped rows with reasons
  uint64_t bytes = 0;
  // "export 2026-11-23..2026-12-07 from sqlite /srv/office.db: 100000 rows read, ..."
  std::string Summary() const;
};

// The window of local dates the export covers at `now`.
void ExportWindow(const AgentConfig& config, Instant now, LocalTime* first_day,
                  LocalTime* last_day);

ExportRun WriteExportFile(const AgentConfig& config, const Clock& clock, const std::string& path,
                          Env& env = Env::Default());

}  // namespace kehrbote
