// Test support: child processes for the real servers the integration tests start
// on loopback (sshd, Kannel bearerbox/smsbox + fakesmsc, aiosmtpd, PostgreSQL).
// Generic on purpose; every fixture in tests/support should use it.
//
// A ChildProcess runs in its own process group; Kill/Stop signal the whole group,
// so helper processes a server forks (and that stay in its group) die with it.
// The destructor stops a still-running child (SIGTERM, then SIGKILL) and reaps it:
// a failing test never leaves a server behind.
//
// PostgreSQL refuses to run as root: spawn it through {"runuser", "-u", "postgres",
// "--", ...}.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kehrbote::test {

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH if it has no '/'
  // Extra "NAME=value" entries; they replace inherited variables of the same name.
  std::vector<std::string> env;
  bool inherit_env = true;
  std::string cwd;          // empty: the test's cwd
  std::string output_file;  // stdout+stderr appended here; empty: /dev/null
};

class ChildProcess {
 public:
  // Starts the process; throws std::runtime_error if it cannot be started.
  static ChildProcess Spawn(const ChildOptions& options);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // True while started and not yet reaped (reaps it if it has exited).
  bool Running();
  // Sends `sig` to the child's process group.
  void Kill(int sig);
  // Waits up to `timeout` for the exit; returns the exit status (128+signal if it
  // was killed by a signal), nullopt if it is still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL and wait. Returns the exit status.
  // No-op (returns the earlier status) if it has exited already.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

// Runs a command to completion (stdin is /dev/null) and captures its output.
// Throws std::runtime_error if it cannot be started or runs longer than `timeout`
// (it is killed then).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace kehrbote::test
