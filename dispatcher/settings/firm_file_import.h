// Importing a directory of firm YAML files into the store: `firms import DIR`
// and the firm files of once/run (firm_settings_source.h) both go through
// ImportFirmFiles.
//
// Each *.yaml / *.yml file of the directory, in name order, is read and saved
// with ImportFirmFile (firm_settings_save.h): validated by the loader's code, a
// new version of the firm its `id` names, or nothing (errors with file:line:col
// and key). A file naming a firm that an earlier file of the same directory
// named is refused (key 'id'). Files are independent: a bad one does not stop
// the others. File paths are absolute and normal (they are the versions' origin).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/settings/firm_settings_save.h"

namespace kehrbote {

struct FileImport {
  std::string file;                   // absolute path
  std::string firm_id;                // "" if the file names none (errors)
  std::string text;                   // as read
  std::vector<SettingsError> errors;  // not imported if not empty
  bool saved = false;                 // a new version was written
  bool known = false;                 // `known` said so: not looked at further
  int64_t version = 0;                // the firm's version after the import
};

struct FileImportOptions {
  std::string source = "import";      // firm_settings.source of the new versions
  std::string author = "firms import";
  // Asked for each file before it is checked; the id of the firm it names if
  // the store has it already (then it is left alone, not even parsed). Empty
  // function: every valid file is saved (an unchanged text writes no version).
  std::function<std::optional<std::string>(const std::string& file, const std::string& text)>
      known;
};

// Throws ConfigError if `dir` cannot be listed.
std::vector<FileImport> ImportFirmFiles(FirmSettingsStore& store, const std::string& dir,
                                        const FileImportOptions& options, Instant now);

}  // namespace kehrbote
