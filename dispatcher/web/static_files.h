// GET /static/{name}: Bootstrap 5 from Debian's libjs-bootstrap5 (read from
// `bootstrap_dir` at start, never from a CDN) and the portal's own small CSS and
// JavaScript (compiled in: static_files.cc). Cached by browsers for a day.
#pragma once

#include <map>
#include <string>

#include "dispatcher/web/web_request.h"

namespace kehrbote {

inline constexpr const char* kDebianBootstrapDir = "/usr/share/javascript/bootstrap5";

class StaticFiles {
 public:
  // Throws EnvError if bootstrap.min.css is not in `bootstrap_dir`/css.
  explicit StaticFiles(const std::string& bootstrap_dir = kDebianBootstrapDir);
  WebResponse Serve(const std::string& name) const;

 private:
  std::map<std::string, std::pair<std::string, std::string>> files_;  // name -> type, body
};

}  // namespace kehrbote
