// Helpers shared by the agent tests: a base config and file writing.
#pragma once

#include <fstream>
#include <string>

namespace kehrbote::test {

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// Firm, window, upload (to a port nothing listens on unless replaced) and spool,
// everything except `source:`; `dir` holds the spool and the status file.
inline std::string BaseConfig(const std::string& dir, const std::string& upload = "") {
  return "firm:\n"
         "  id: huber\n"
         "  name: Rauchfangkehrermeister Huber\n"
         "  timezone: Europe/Vienna\n"
         "  country: AT\n"
         "  phone: \"07252 / 12345\"\n"
         "window: {start_days: 0, days_ahead: 14}\n"
         "schedule: [\"06:00\"]\n" +
         (upload.empty() ? std::string("upload:\n"
                                       "  host: 127.0.0.1\n"
                                       "  port: 1\n"
                                       "  user: kehrbote\n"
                                       "  key_file: /nonexistent/id_ed25519\n"
                                       "  fingerprint: \"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n")
                         : upload) +
         "spool: {dir: " + dir + "/spool}\n"
         "status_file: " + dir + "/status.json\n";
}

}  // namespace kehrbote::test
