// Spool: exports waiting to be sent to the SFTP drop.
//
// A local directory (owner-only, 0700) of files (0600: exports hold personal data)
// named like the final remote file: "export-<firm>-<UTC yyyymmddThhmmssZ>-<seq>.json",
// where the time is when the export was spooled (from the Clock).
//
// Each export is a FULL snapshot of the firm's window, so only the newest pending
// export of a firm matters: it is sent first, and once it has been delivered the
// older pending exports of the same firm are dropped unsent (ExportUploader does
// that). Files older than the retention are deleted by Prune() whether sent or not,
// so a drop that stays unreachable does not let personal data pile up.
//
// Not thread-safe; one agent process owns its spool.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shared/env/env.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct SpooledExport {
  std::string path;     // full local path of the spooled file
  std::string name;     // file name inside the spool
  std::string firm_id;  // [a-z0-9-]+
  Instant spooled_at;   // from the name
  int seq = 1;          // from the name; distinguishes exports of the same second
};

class Spool {
 public:
  // Creates `dir` (0700) if needed. Throws EnvError.
  Spool(std::string dir, const Clock& clock,
        std::chrono::seconds retention = std::chrono::hours(24 * 14),
        Env& env = Env::Default());

  const std::string& dir() const { return dir_; }

  // Copies the export file at `export_file` into the spool (0600, atomically, in
  // chunks: exports can be large) and returns the entry. Throws EnvError, or
  // std::invalid_argument for a bad firm id.
  SpooledExport Add(const std::string& export_file, const std::string& firm_id);
  // The entry (name, path) the next export of `firm_id` gets now, for a caller that
  // writes the export straight into the spool instead of copying it. The caller must
  // create the file atomically: write it under a name that does not end in ".json"
  // (e.g. path + ".tmp", ignored by Pending) and rename it to `path` when complete.
  SpooledExport Reserve(const std::string& firm_id) const;
  // The same for an export already in memory.
  SpooledExport AddContent(std::string_view content, const std::string& firm_id);

  // Pending exports, newest first (by time, then seq). Files in the directory that
  // do not follow the naming scheme (e.g. leftovers of an interrupted Add) are ignored.
  std::vector<SpooledExport> Pending() const;

  void Remove(const SpooledExport& e);

  // Deletes spooled exports older than the retention; returns their names.
  std::vector<std::string> Prune();

  // "export-<firm>-<yyyymmddThhmmssZ>" for an instant (the stem of spool and remote
  // names; the "-<seq>.json" follows).
  static std::string Stem(const std::string& firm_id, Instant t);

 private:
  std::string dir_;
  const Clock& clock_;
  std::chrono::seconds retention_;
  Env& env_;
};

}  // namespace kehrbote
