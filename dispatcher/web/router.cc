#include "dispatcher/web/router.h"

#include <sstream>

#include "dispatcher/web/security_headers.h"

namespace kehrbote {
namespace {

std::vector<std::string> Pieces(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  std::string piece;
  while (std::getline(in, piece, '/'))
    if (!piece.empty()) out.push_back(piece);
  return out;
}

WebResponse Text(int status, const std::string& text) {
  WebResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = text + "\n";
  return r;
}

}  // namespace

WebResponse NotFound() { return Text(404, "Nicht gefunden"); }

std::string Router::SessionCookie(const std::string& value) const {
  std::string c = CookieName() + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (https_) c += "; Secure";
  if (value.empty()) c += "; Max-Age=0";
  return c;
}

bool Router::Match(const Route& route, WebRequest& request) const {
  if (route.method != request.method) return false;
  std::vector<std::string> want = Pieces(route.pattern), got = Pieces(request.path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      params[w.substr(1, w.size() - 2)] = got[i];
    } else if (w != got[i]) {
      return false;
    }
  }
  request.path_params = std::move(params);
  return true;
}

WebResponse Router::Handle(WebRequest& request) const {
  WebResponse response = Dispatch(request);
  AddSecurityHeaders(response, https_);
  return response;
}

WebResponse Router::Dispatch(WebRequest& request) const {
  const Route* route = nullptr;
  for (const Route& r : routes_) {
    if (Match(r, request)) {
      route = &r;
      break;
    }
  }
  if (!route) return NotFound();
  if (!route->needs_login) return route->handler(request);

  auto cookie = request.cookies.find(CookieName());
  std::optional<ActiveSession> session =
      cookie == request.cookies.end() ? std::nullopt : sessions_.Resolve(cookie->second);
  if (!session) {
    if (route->json) return Text(401, "Nicht angemeldet");
    return WebResponse::Redirect("/login");
  }
  request.user = session->user;
  request.csrf_token = session->csrf_token;
  if (route->admin_only && session->user.role != Role::kPartnerAdmin) return NotFound();
  auto firm = request.path_params.find("firm");
  if (firm != request.path_params.end() &&
      (!session->user.MaySee(firm->second) || !firm_exists_(firm->second))) {
    return NotFound();
  }
  if (request.method == "POST" && !SameSecret(request.Param("csrf"), session->csrf_token)) {
    return Text(403, "Sicherheitstoken fehlt oder ist ungültig. Bitte die Seite neu laden.");
  }
  return route->handler(request);
}

}  // namespace kehrbote
