// Test support: Windows programs under Wine (Debian's wine64) for the Linux-side tests
// of the Windows agent: kehrbote-agent.exe against a real sshd, the Windows service,
// the installer.
//
// A WinePrefix is one Wine installation folder (WINEPREFIX). The constructor creates
// it with `wineboot -i` if it does not exist yet (20-60 s) and keeps its wineserver
// alive (`wineserver -p`) so that services outlive the command that started them;
// Shutdown() (and the destructor, if `own_server`) stops the server and every Windows
// process of the prefix.
//
// Wine's output always goes to a file, never a pipe: wineserver inherits the
// descriptors of the first wine process, and a reader of such a pipe would wait until
// the server exits. Every call is bounded by a timeout.
//
// Paths: Wine maps drive Z: to "/", so WindowsPath("/tmp/x") is "Z:\tmp\x"; drive C: is
// the folder drive_c of the prefix (HostPath("C:\\ProgramData") is <prefix>/drive_c/ProgramData).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace kehrbote::test {

class WinePrefix {
 public:
  WinePrefix(std::string dir, bool own_server);
  ~WinePrefix();
  WinePrefix(const WinePrefix&) = delete;
  WinePrefix& operator=(const WinePrefix&) = delete;

  // Runs a Windows program (a Unix path to a .exe, or a builtin such as "sc", "net",
  // "reg") with `args`, in `cwd` (default: the test's cwd) and waits for its exit.
  // Throws std::runtime_error, with the output, if it runs longer than `timeout`.
  CommandResult Run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout = std::chrono::seconds(120),
                    const std::vector<std::string>& env = {});

  // Stops the prefix's wineserver and all its processes (services too); bounded.
  void Shutdown();

  const std::string& dir() const { return dir_; }
  static std::string WindowsPath(const std::string& unix_path);
  std::string HostPath(const std::string& windows_path) const;

 private:
  std::vector<std::string> Environment(const std::vector<std::string>& extra) const;
  void Boot();

  std::string dir_;
  bool own_server_;
};

}  // namespace kehrbote::test
