// Logger: the one logger of kehrbote-agent and kehrbote-dispatcher.
//
// A line is "<UTC time> <level> <component>[ firm <id>]: <message>", e.g.
//   2026-11-23T05:00:01Z warning pull firm huber: cannot read inbox ...
// Levels, most important first: error, warning, info, debug; a logger writes the
// lines at its level and above. Every message goes through MaskPersonalData
// (shared/log/personal_data.h) at every level before it reaches the sink, and
// becomes one line (line breaks inside it become spaces), so the journal and a
// log file hold one entry per line.
//
// The sink is standard error by default (systemd's journal takes it), or a
// rotating file (log_sink.h). Logger::Default() is the process-wide logger the
// programs configure at start (`--log-level`, keys log.level and log.file);
// a `--log-level` from the command line is pinned and wins over the config key.
//
// Threads: every method of Logger and Log may be called from any thread at the
// same time; a line is written whole (one lock around the sink). A sink that
// fails (disk full) loses the line and never throws into the caller.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "shared/log/log_sink.h"
#include "shared/time/clock.h"

namespace kehrbote {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// "error", "warning", "info", "debug"; nullopt for anything else. The agent's
// older names "notice" and "information" are read as info (configs written for
// earlier versions keep working).
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view ToString(LogLevel level);
// What ParseLogLevel accepts, for usage and error texts.
constexpr const char* kLogLevelNames = "error|warning|info|debug";

class Logger {
 public:
  // `clock` (not owned, may be null: the system clock) stamps each line.
  explicit Logger(std::shared_ptr<LogSink> sink, LogLevel level = LogLevel::kInfo,
                  const Clock* clock = nullptr);

  // The process-wide logger: standard error, info, until configured.
  static Logger& Default();

  bool Enabled(LogLevel level) const { return level <= level_.load(); }
  LogLevel level() const { return level_.load(); }
  // Ignored once PinLevel was called (the command line wins over the config).
  void SetLevel(LogLevel level);
  void PinLevel(LogLevel level);
  void SetSink(std::shared_ptr<LogSink> sink);

  // Writes one line if `level` is enabled. `firm_id` empty: the line concerns
  // no single firm.
  void Write(LogLevel level, std::string_view component, std::string_view firm_id,
             std::string_view message);

 private:
  std::atomic<LogLevel> level_;
  std::atomic<bool> pinned_{false};
  const Clock* clock_;
  std::mutex mu_;
  std::shared_ptr<LogSink> sink_;  // guarded by mu_
};

// A component's handle on a logger: its name and, from ForFirm, the firm every
// line concerns. Cheap to copy; the logger must outlive it.
class Log {
 public:
  explicit Log(std::string component, Logger& logger = Logger::Default())
      : logger_(&logger), component_(std::move(component)) {}

  Log ForFirm(std::string firm_id) const;
  bool Enabled(LogLevel level) const { return logger_->Enabled(level); }

  void Error(std::string_view message) const { Write(LogLevel::kError, message); }
  void Warning(std::string_view message) const { Write(LogLevel::kWarning, message); }
  void Info(std::string_view message) const { Write(LogLevel::kInfo, message); }
  void Debug(std::string_view message) const { Write(LogLevel::kDebug, message); }
  void Write(LogLevel level, std::string_view message) const {
    logger_->Write(level, component_, firm_id_, message);
  }

 private:
  Logger* logger_;
  std::string component_;
  std::string firm_id_;
};

}  // namespace kehrbote
