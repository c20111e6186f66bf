// AgentRunner: one run of each kehrbote-agent command, with logging and the
// status file. The service loop (AgentApplication) and the one-shot commands
// call it; it holds no state between runs.
//
// Exit statuses (sysexits, as Poco::Util::Application uses them):
//   0  done
//   65 the export could not be written (e.g. disk full, no appointment valid)
//   66 the source could not be read at all
//   69 host key or login refused (an operator must act; the export stays spooled)
//   75 the drop was not reachable; the export stays spooled and is sent later
//   78 configuration error (reported before any runner exists)
//
// Logging never shows contact addresses: only ids, row positions and reasons
// (and the logger masks what looks like a number or an address anyway).
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "agent/app/export_file.h"
#include "agent/config/agent_config.h"
#include "agent/upload/export_uploader.h"
#include "shared/log/logger.h"
#include "shared/time/clock.h"

namespace kehrbote {

inline constexpr int kExitOk = 0;
inline constexpr int kExitExportFailed = 65;
inline constexpr int kExitSourceUnreadable = 66;
inline constexpr int kExitOperatorNeeded = 69;
inline constexpr int kExitUploadPending = 75;
inline constexpr int kExitConfig = 78;

class AgentRunner {
 public:
  // `sleep` waits between upload attempts; the service passes one that ends early
  // when it is asked to stop.
  AgentRunner(const AgentConfig& config, const Clock& clock, Log log,
              ExportUploader::SleepFn sleep = {});

  // `once` and each scheduled run: export into the spool, send what is pending,
  // record the outcome in the status file. Returns an exit status (above).
  int ExportAndUpload();
  // Only sends what is already spooled (after an earlier failed upload).
  // Returns kExitOk if nothing is pending or everything was sent.
  int SendPending();
  // `export --output FILE`: writes the export only (0600).
  int ExportOnly(const std::string& output);
  // `check`: source, host key, login, drop writable. Writes a readable report to
  // `out`; returns kExitOk if every step passed.
  int Check(std::ostream& out);

  // True if the spool holds exports not yet sent.
  bool HasPending() const;

 private:
  void LogRun(const ExportRun& run);
  int Upload(const std::string& spool_name, const ExportRun* run);
  void RecordSuccess(const ExportRun* run, const std::string& file, const std::string& remote);
  void RecordError(const std::string& message);

  const AgentConfig& config_;
  const Clock& clock_;
  Log log_;
  ExportUploader::SleepFn sleep_;
};

}  // namespace kehrbote
