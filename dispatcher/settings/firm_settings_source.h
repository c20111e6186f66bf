// FirmSettingsSource: the firms a dispatcher process plans with, read from the
// store (FirmSettingsStore), with the firm files of firms_dir as an import.
//
// Load() (once/plan at start, run before every pass):
//   1. Firm files (firms_dir, if set; *.yaml / *.yml): a file whose text differs
//      from the text last imported from that path is validated like any save
//      (ImportFirmFile) and becomes the firm's new version (source 'file'). So
//      an installation with firm files keeps working, an edited file takes
//      effect at the next pass, and an unchanged file never overrides what the
//      portal saved since. A file that fails is not imported; it is reported as
//      a FirmProblem (file:line, the firm keeps its current version), as it is
//      again each pass until it is fixed. Two files naming one firm: the second
//      (by name) is refused.
//   2. The current version of every firm not removed: parsed again only when
//      its version changed since `previous` (FirmConfig::file_stamp = "v<N>",
//      FirmConfig::file = "firm <id> v<N> (store)"). A stored version that does
//      not load (a text a newer dispatcher accepted) keeps the firm's previous
//      config and is reported.
// Several dispatchers on one PostgreSQL read the same rows, so they plan with
// the same settings; each imports files from its own firms_dir (give the files
// to one of them, or the same files to all: the same text is imported once).
//
// Not thread-safe: one per process, used by the loop's thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/settings/firm_settings_store.h"

namespace kehrbote {

class FirmSettingsSource {
 public:
  // `firms_dir` empty: the store alone (no firm files).
  FirmSettingsSource(Database& db, std::string firms_dir);

  // See above. `previous`: the firms in use (empty at start).
  FirmFiles Load(const std::vector<FirmConfig>& previous, Instant now);

 private:
  // Step 1; problems are appended to `out`.
  void ImportChangedFiles(Instant now, std::vector<FirmProblem>& out);

  FirmSettingsStore store_;
  std::string firms_dir_;
  // Per file path, the text last compared with the store (imported, or equal to
  // the last import): the store is asked again only when the file changes.
  std::map<std::string, std::string> compared_;
  // Per file path, the firm its last good text named: a bad file is reported
  // with that firm's id (its heartbeat tells the firm).
  std::map<std::string, std::string> firm_of_path_;
};

}  // namespace kehrbote
