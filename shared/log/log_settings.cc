#include "shared/log/log_settings.h"

namespace kehrbote {

LogSettings ParseLogSettings(const ConfigNode& root) {
  LogSettings s;
  ConfigNode log = root.Child("log");
  s.file = log.OptionalPath("file").value_or("");
  const std::string level =
      log.Choice("level", {"error", "warning", "info", "debug", "notice", "information"}, "info");
  s.level = ParseLogLevel(level).value_or(LogLevel::kInfo);
  log.Finish();
  return s;
}

void ApplyLogSettings(const LogSettings& settings, Logger& logger) {
  logger.SetLevel(settings.level);
  logger.SetSink(OpenLogSink(settings.file));
}

}  // namespace kehrbote
