// Env: the platform layer. Everything that differs between POSIX and Windows lives
// behind this interface (env_posix.cc, env_windows.cc), so the rest of the code
// never asks which OS it runs on.
//
// Files written through Env that may hold personal data (exports, spool, stores)
// are private: 0600 files in 0700 directories on POSIX, an owner-only ACL on Windows.
// All methods throw EnvError (with the path and the OS's reason) on failure.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kehrbote {

class EnvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file being written. Append buffers; Sync makes the data durable.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual void Append(std::string_view data) = 0;
  virtual void Sync() = 0;   // flush and fsync
  virtual void Close() = 0;  // flush and close; idempotent
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide Env for this platform.
  static Env& Default();

  // Creates `dir` and missing parents; the last component gets owner-only access.
  virtual void CreatePrivateDirectory(const std::string& dir) = 0;
  // Creates or truncates a file readable and writable by the owner only.
  virtual std::unique_ptr<WritableFile> NewPrivateFile(const std::string& path) = 0;
  // Writes the whole of `data` to `path` atomically: temp file, sync, rename.
  virtual void WritePrivateFileAtomically(const std::string& path, std::string_view data) = 0;
  virtual std::string ReadFile(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual uint64_t FileSize(const std::string& path) = 0;
  // Replaces `to` if it exists.
  virtual void RenameFile(const std::string& from, const std::string& to) = 0;
  virtual void RemoveFile(const std::string& path) = 0;
  // Names (not paths) of the regular files in `dir`, sorted.
  virtual std::vector<std::string> ListFiles(const std::string& dir) = 0;
  // Seconds since the epoch of the last modification.
  virtual int64_t ModifiedTime(const std::string& path) = 0;
  // True if only the owner may read/write `path` (used by checks and tests).
  virtual bool IsPrivate(const std::string& path) = 0;

  // Directory of the running executable. A Windows service starts in system32, so
  // the agent looks for its config here.
  virtual std::string ExecutableDirectory() = 0;
  // Default locations for config, data and logs of program `name` on this platform
  // (/etc/kehrbote, /var/lib/kehrbote, /var/log/kehrbote on Linux; the executable's
  // directory on Windows).
  virtual std::string ConfigDirectory() = 0;
  virtual std::string DataDirectory() = 0;

  // Blocks SIGINT, SIGTERM and SIGQUIT in the calling thread, so that every thread
  // started afterwards inherits the mask and only the waiting thread sees them.
  // Must be called in main() before any thread starts (Poco 1.11 threads do not
  // block them themselves). No-op on Windows.
  virtual void BlockTerminationSignals() = 0;
  // Restrictive umask for the process (077); no-op on Windows.
  virtual void RestrictNewFilePermissions() = 0;
};

// Joins two path components with the platform's separator.
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace kehrbote
