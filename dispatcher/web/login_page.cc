#include "dispatcher/web/login_page.h"

#include "dispatcher/web/html.h"

namespace kehrbote {

WebResponse LoginForm(const WebRequest& req, const std::string& message) {
  std::string body;
  if (!message.empty())
    body += "<div class=\"alert alert-danger\" role=\"alert\" id=\"fehler\">" + Escape(message) +
            "</div>";
  body += "<form method=\"post\" action=\"/login\" class=\"anmeldung\">"
          "<div class=\"mb-3\"><label class=\"form-label\" for=\"name\">Benutzername</label>"
          "<input class=\"form-control\" id=\"name\" name=\"name\" autocomplete=\"username\" "
          "required autofocus></div>"
          "<div class=\"mb-3\"><label class=\"form-label\" for=\"password\">Passwort</label>"
          "<input class=\"form-control\" id=\"password\" name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required></div>"
          "<button class=\"btn btn-primary\" type=\"submit\" id=\"anmelden\">Anmelden</button>"
          "</form>";
  WebResponse r;
  if (!message.empty()) r.status = 401;
  r.body = Page(req, "Anmeldung", body);
  return r;
}

WebResponse LoginSubmit(Sessions& sessions, const Router& router, const WebRequest& req) {
  LoginResult login = sessions.Login(req.Param("name"), req.Param("password"), req.address);
  if (login.status == LoginStatus::kThrottled) {
    WebResponse r = LoginForm(req, "Zu viele Fehlversuche. Bitte in 15 Minuten erneut versuchen.");
    r.status = 429;
    return r;
  }
  if (login.status != LoginStatus::kOk)
    return LoginForm(req, "Benutzername oder Passwort ist falsch.");
  const User& u = *login.user;
  WebResponse r = WebResponse::Redirect(u.role == Role::kPartnerAdmin ? "/overview"
                                                                       : "/firms/" + UrlEncode(u.firm_id));
  r.headers.emplace_back("Set-Cookie", router.SessionCookie(login.cookie));
  return r;
}

WebResponse LogoutSubmit(Sessions& sessions, const Router& router, const WebRequest& req) {
  auto cookie = req.cookies.find(router.CookieName());
  if (cookie != req.cookies.end()) sessions.Logout(cookie->second);
  WebResponse r = WebResponse::Redirect("/login");
  r.headers.emplace_back("Set-Cookie", router.SessionCookie(""));
  return r;
}

}  // namespace kehrbote
