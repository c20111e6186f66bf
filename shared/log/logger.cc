#include "shared/log/logger.h"

#include <iostream>

#include "shared/log/personal_data.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "info" || name == "notice" || name == "information") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

Logger::Logger(std::shared_ptr<LogSink> sink, LogLevel level, const Clock* clock)
    : level_(level), clock_(clock), sink_(std::move(sink)) {}

Logger& Logger::Default() {
  // Never destroyed: threads may log while static destructors run.
  static Logger* logger = new Logger(std::make_shared<StreamLogSink>(std::cerr));
  return *logger;
}

void Logger::SetLevel(LogLevel level) {
  if (!pinned_) level_ = level;
}

void Logger::PinLevel(LogLevel level) {
  level_ = level;
  pinned_ = true;
}

void Logger::SetSink(std::shared_ptr<LogSink> sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

void Logger::Write(LogLevel level, std::string_view component, std::string_view firm_id,
                   std::string_view message) {
  if (!Enabled(level)) return;
  static const SystemClock system_clock;
  std::string line = FormatRfc3339Utc((clock_ ? *clock_ : system_clock).Now());
  line.append(" ").append(ToString(level)).append(" ").append(component);
  if (!firm_id.empty()) line.append(" firm ").append(firm_id);
  line.append(": ");
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
    message.remove_suffix(1);
  std::string text = MaskPersonalData(message);
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  line.append(text).append("\n");
  std::lock_guard<std::mutex> lock(mu_);
  try {
    sink_->Write(line);
  } catch (...) {
    // A full disk must not stop a send or a pass; the line is lost.
  }
}

Log Log::ForFirm(std::string firm_id) const {
  Log out = *this;
  out.firm_id_ = std::move(firm_id);
  return out;
}

}  // namespace kehrbote
