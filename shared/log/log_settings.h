// LogSettings: the `log` section both programs read from their config file.
//
//   log:
//     level: info          # error | warning | info | debug
//     file: /var/log/kehrbote/dispatcher.log   # absent: standard error (journal)
//
// Errors are ConfigErrors naming file:line:column and the key, as every other
// key's. Apply runs once at start, before other threads log.
#pragma once

#include <string>

#include "shared/config/config_node.h"
#include "shared/log/logger.h"

namespace kehrbote {

struct LogSettings {
  LogLevel level = LogLevel::kInfo;
  std::string file;  // empty: standard error
};

// Reads `root`'s `log` mapping (absent: the defaults) and finishes it. The
// agent's older level names "notice" and "information" are read as info.
LogSettings ParseLogSettings(const ConfigNode& root);

// Sets `logger`'s level (unless --log-level pinned it) and sink. Throws EnvError
// naming the file if it cannot be opened.
void ApplyLogSettings(const LogSettings& settings, Logger& logger = Logger::Default());

}  // namespace kehrbote
