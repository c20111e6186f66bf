// LogSink: where the Logger's lines go.
//
// StreamLogSink writes to a stream (standard error for systemd's journal; tests
// use a string stream), flushing every line. RotatingFileLogSink appends to a
// private file through Env (the only code that knows the OS) and rotates by
// size: when a line would make the file exceed `max_bytes`, FILE becomes
// FILE.1, FILE.1 becomes FILE.2 ... and FILE.<archives> is deleted. Each line
// reaches the OS at once, so a crash loses no line already logged.
//
// Threads: a sink is not thread-safe itself; the Logger calls it under its lock.
// Write throws EnvError (or the stream's failure) and the Logger swallows it.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "shared/env/env.h"

namespace kehrbote {

class LogSink {
 public:
  virtual ~LogSink() = default;
  // One whole line, ending in '\n'.
  virtual void Write(std::string_view line) = 0;
};

class StreamLogSink final : public LogSink {
 public:
  explicit StreamLogSink(std::ostream& out) : out_(out) {}
  void Write(std::string_view line) override;

 private:
  std::ostream& out_;
};

class RotatingFileLogSink final : public LogSink {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 10 * 1024 * 1024;
  static constexpr int kDefaultArchives = 5;
  // Opens (creates private) `path` for appending. Throws EnvError naming it.
  explicit RotatingFileLogSink(std::string path, uint64_t max_bytes = kDefaultMaxBytes,
                               int archives = kDefaultArchives, Env& env = Env::Default());
  void Write(std::string_view line) override;

 private:
  void Rotate();

  std::string path_;
  uint64_t max_bytes_;
  int archives_;
  Env& env_;
  std::unique_ptr<WritableFile> file_;
  uint64_t size_ = 0;
};

// The sink for a configured log file: standard error if `file` is empty, else a
// RotatingFileLogSink with the defaults (10 MiB, 5 archives).
std::shared_ptr<LogSink> OpenLogSink(const std::string& file);

}  // namespace kehrbote
