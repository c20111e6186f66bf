// Env: the platform layer. Everything that differs between POSIX and Windows lives
// behind this interface (env_posix.cc, env_windows.cc), so the rest of the code
// never asks which OS it runs on.
//
// Files written through Env that may hold personal data (exports, spool, stores)
// are private: 0600 files in 0700 directories on POSIX; on Windows a protected ACL that
// grants SYSTEM and Administrators only (the agent runs as a service).
// All methods throw EnvError (with the path or host:port and the OS's reason) on
// failure. Env::Default() and its methods may be used from any thread.
//
// No other file includes an OS header or calls the OS directly (a unit test,
// tests/env/platform_rule_test.cc, checks this), so the agent cross-builds for
// Windows with only env_windows.cc differing.
#pragma once

#include <chrono>
#include <cstddef>
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

// A connected TCP socket; closed when destroyed.
class TcpSocket {
 public:
  // The OS's handle: an int file descriptor on POSIX, a SOCKET on Windows; both fit.
  // libssh2 takes it as libssh2_socket_t (int / SOCKET), so callers cast it.
  using NativeHandle = std::intptr_t;

  virtual ~TcpSocket() = default;
  virtual NativeHandle native_handle() const = 0;
};

// An exclusive lock on a file, held until destroyed (see Env::TryLockFile).
class FileLock {
 public:
  virtual ~FileLock() = default;
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
  // Opens `path` for appending, created owner-only if missing (log files). Each
  // Append reaches the OS at once (no buffer: a crash loses no line); other
  // processes may read the file meanwhile.
  virtual std::unique_ptr<WritableFile> NewAppendablePrivateFile(const std::string& path) = 0;
  // Writes the whole of `data` to `path` atomically: temp file `path`.tmp, sync,
  // rename. Not virtual: the sequence is the same on every platform (env.cc); what
  // differs (owner-only access, a rename that replaces) is NewPrivateFile and RenameFile.
  void WritePrivateFileAtomically(const std::string& path, std::string_view data);
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
  // True if `path` exists and is a directory (false on any error).
  virtual bool DirectoryExists(const std::string& path) = 0;
  // True if this process may open `path` for reading. If not and `reason` is given,
  // it gets the OS's reason ("No such file or directory", "Permission denied").
  virtual bool IsReadable(const std::string& path, std::string* reason = nullptr) = 0;
  // Takes an exclusive lock on `path` (created private if missing), held until the
  // returned FileLock is destroyed or the process ends (also by a crash). Returns
  // null if another holder has it: another process, or another FileLock of this
  // one. Never waits.
  virtual std::unique_ptr<FileLock> TryLockFile(const std::string& path) = 0;

  // Directory of the running executable (the Windows agent's tzdata folder is there).
  virtual std::string ExecutableDirectory() = 0;
  // Default locations for config and data on this platform (/etc/kehrbote and
  // /var/lib/kehrbote on Linux; %ProgramData%\Kehrbote on Windows, where a service,
  // which starts in system32 without arguments, finds agent.yaml).
  virtual std::string ConfigDirectory() = 0;
  virtual std::string DataDirectory() = 0;

  // Opens a TCP connection to host:port (name resolved; every address tried in
  // turn, each bounded by `timeout`), blocking, with TCP_NODELAY and not inherited
  // by child processes. Throws EnvError naming host:port ("cannot resolve ...",
  // "cannot connect to ...: connect timed out after N ms" or the OS's reason).
  virtual std::unique_ptr<TcpSocket> ConnectTcp(const std::string& host, int port,
                                                std::chrono::milliseconds timeout) = 0;

  // Fills `out` with `size` bytes from the OS's cryptographically secure random
  // generator. Throws EnvError if it fails.
  virtual void RandomBytes(void* out, size_t size) = 0;
  // This process's id (distinguishes processes, e.g. in claim ids).
  virtual uint64_t ProcessId() = 0;

  // Blocks SIGINT, SIGTERM and SIGQUIT in the calling thread, so that every thread
  // started afterwards inherits the mask and only the waiting thread sees them.
  // Must be called in main() before any thread starts (Poco 1.11 threads do not
  // block them themselves). On Windows it installs the console control handler
  // (Ctrl+C, Ctrl+Break, console close, logoff, shutdown) that
  // WaitForTerminationSignal reports.
  virtual void BlockTerminationSignals() = 0;
  // Waits at most `timeout` for a termination request and returns its signal
  // number (SIGINT, SIGTERM or SIGQUIT as <csignal> numbers them; on Windows
  // Ctrl+C is SIGINT, the other console events SIGTERM), or 0 if none came. On
  // POSIX the signals must be blocked in every thread (BlockTerminationSignals)
  // so that they stay pending for this wait; each is reported once. Meant for
  // one waiting thread.
  virtual int WaitForTerminationSignal(std::chrono::milliseconds timeout) = 0;
  // Restrictive umask for the process (077); no-op on Windows.
  virtual void RestrictNewFilePermissions() = 0;
  // Turns the echo of standard input on or off if it is a terminal (console),
  // so that a password typed there is not shown. Returns false, changing
  // nothing, when standard input is not a terminal (a pipe, a file).
  virtual bool SetStdinEcho(bool on) = 0;
};

// Joins two path components with the platform's separator.
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace kehrbote
