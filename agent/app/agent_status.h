// AgentStatus: what the last runs did, kept in a small JSON file so that an
// operator (and the next start of the agent) can see it.
//
//   {"last_success": {"time": "2026-11-23T06:00:04+01:00", "file": "export-...-1.json",
//                     "remote_name": "export-...-1.json", "appointments": 812,
//                     "skipped": 2, "rows_read": 815},
//    "last_error": {"time": "...", "message": "..."},
//    "last_attempt": "2026-11-23T06:00:00+01:00"}
//
// The file is replaced atomically (temp file, sync, rename) and is private (0600).
// A missing file is an empty status; an unreadable or malformed one too, with a
// warning returned by Load (the agent must not refuse to start over it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shared/env/env.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct AgentSuccess {
  Instant time{};
  std::string file;         // spooled / written export file name
  std::string remote_name;  // name on the drop; empty for `export`
  int64_t rows_read = 0;
  int64_t appointments = 0;
  int64_t skipped = 0;
  bool operator==(const AgentSuccess&) const = default;
};

struct AgentFailure {
  Instant time{};
  std::string message;
  bool operator==(const AgentFailure&) const = default;
};

struct AgentStatus {
  std::optional<AgentSuccess> last_success;
  std::optional<AgentFailure> last_error;
  std::optional<Instant> last_attempt;
  bool operator==(const AgentStatus&) const = default;

  // Reads `path`; on a problem returns an empty status and sets `warning`.
  static AgentStatus Load(const std::string& path, std::string* warning,
                          Env& env = Env::Default());
  // Writes atomically; times are written with `zone`'s offset. Throws EnvError.
  void Save(const std::string& path, const std::string& zone, Env& env = Env::Default()) const;
};

}  // namespace kehrbote
