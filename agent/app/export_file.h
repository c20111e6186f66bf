// WriteExportFile: reads the configured source for today's window and writes the
// export (format v1) to a private file (0600), streaming row by row.
//
// The file appears atomically: it is written as "<path>.tmp" and renamed, so a
// reader (or the spool) never sees half an export. With `durable` the data is
// synced before the rename (survives a power cut); without, the caller must call
// MakeDurable if the file is to be kept (the agent skips the sync of an export that
// is sent at once and deleted: fsync of 50 MB costs seconds on a busy disk). Rows the source cannot
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
                          bool durable = true, Env& env = Env::Default());

// Makes a file written with durable=false durable in place: a streaming copy that
// is synced and renamed over it (memory stays flat). Throws EnvError.
void MakeDurable(const std::string& path, Env& env = Env::Default());

}  // namespace kehrbote
