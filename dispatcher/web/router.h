// Router: the portal's routes and the checks every request passes before a
// page sees it, in this order:
//   1. match method + path pattern ("/firms/{firm}/import"); no match: 404
//   2. the session from the cookie (session.h); none and the route needs one:
//      a page redirects to /login, a JSON endpoint gets 401
//   3. authorization: a route marked admin_only gives 404 to a firm user; a
//      route with {firm} gives 404 when the user may not see that firm OR the
//      firm does not exist (the same answer, so ids cannot be probed)
//   4. POST: the form's "csrf" field must equal the session's token, else 403
//      (also for /logout; /login checks the throttle instead, it has no session)
// Every answer gets the security headers (security_headers.h).
//
// Threads: Handle() runs on many threads at once; routes are fixed after
// construction and handlers must be thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dispatcher/web/session.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

struct Route {
  std::string method;   // "GET" / "POST"
  std::string pattern;  // "/firms/{firm}/protocol"; {name} matches one path piece
  bool needs_login = true;
  bool admin_only = false;
  bool json = false;    // answers JSON (401 instead of a redirect)
  std::function<WebResponse(WebRequest&)> handler;
};

class Router {
 public:
  // `firm_exists` tells whether a firm id is known (store or configuration).
  Router(Sessions& sessions, std::function<bool(const std::string&)> firm_exists, bool https)
      : sessions_(sessions), firm_exists_(std::move(firm_exists)), https_(https) {}

  void Add(Route route) { routes_.push_back(std::move(route)); }
  const std::vector<Route>& routes() const { return routes_; }

  WebResponse Handle(WebRequest& request) const;

  // The session cookie's name: "__Host-kehrbote" over HTTPS (the browser then
  // insists on Secure and Path=/), "kehrbote" over plain HTTP behind a proxy.
  std::string CookieName() const { return https_ ? "__Host-kehrbote" : "kehrbote"; }
  // Set-Cookie value for `value` (empty value: delete it).
  std::string SessionCookie(const std::string& value) const;

 private:
  WebResponse Dispatch(WebRequest& request) const;
  bool Match(const Route& route, WebRequest& request) const;

  Sessions& sessions_;
  std::function<bool(const std::string&)> firm_exists_;
  bool https_;
  std::vector<Route> routes_;
};

WebResponse NotFound();

}  // namespace kehrbote
