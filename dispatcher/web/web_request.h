// WebRequest / WebResponse: what the portal's routes see of HTTP, independent of
// Poco, so that pages and the router are tested without sockets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/web/account_store.h"

namespace kehrbote {

// `text` without the spaces, tabs and line breaks around it.
inline std::string TrimSpace(const std::string& text) {
  const auto b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

struct WebRequest {
  std::string method;                         // "GET", "POST"
  std::string path;                           // "/firms/huber", decoded, without query
  std::map<std::string, std::string> params;  // query and form fields (form wins)
  std::map<std::string, std::string> cookies;
  std::string address;                        // client address (for throttling)
  std::string upload;                         // the "file" part of a multipart form
  std::string upload_name;                    // its file name
  // Filled by the router: path pieces ({firm} ...), and the session's user.
  std::map<std::string, std::string> path_params;
  std::optional<User> user;
  std::string csrf_token;  // the session's, for forms on the page

  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
  // A form field without the spaces and line breaks around it.
  std::string TrimmedParam(const std::string& name) const { return TrimSpace(Param(name)); }
  const std::string& Firm() const { return path_params.at("firm"); }
};

struct WebResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra (Set-Cookie, Location)

  static WebResponse Redirect(const std::string& location) {
    WebResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", location);
    return r;
  }
};

}  // namespace kehrbote
