#include "dispatcher/web/html.h"

#include <cctype>
#include <cstdio>

namespace kehrbote {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string CsrfField(const WebRequest& request) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + Escape(request.csrf_token) + "\">";
}

std::string Page(const WebRequest& request, std::string_view title, std::string_view body) {
  std::string nav;
  if (request.user) {
    const User& u = *request.user;
    std::string home = u.role == Role::kPartnerAdmin ? "/overview" : "/firms/" + UrlEncode(u.firm_id);
    nav = "<nav class=\"navbar navbar-expand bg-body-tertiary mb-3\"><div class=\"container-fluid\">"
          "<a class=\"navbar-brand\" href=\"" + home + "\">Kehrbote</a>"
          "<div class=\"ms-auto d-flex align-items-center gap-2\">"
          "<span class=\"navbar-text small\">" + Escape(u.name) +
          (u.role == Role::kPartnerAdmin ? " (Partner)" : " (" + Escape(u.firm_id) + ")") +
          "</span><form method=\"post\" action=\"/logout\">" + CsrfField(request) +
          "<button class=\"btn btn-outline-secondary btn-sm\" type=\"submit\">Abmelden</button>"
          "</form></div></div></nav>";
  }
  std::string out;
  out.reserve(body.size() + 1024);
  out += "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>";
  out += Escape(title);
  out += " – Kehrbote</title>"
         "<link rel=\"stylesheet\" href=\"/static/bootstrap.min.css\">"
         "<link rel=\"stylesheet\" href=\"/static/portal.css\">"
         "<script src=\"/static/portal.js\" defer></script>"
         "<script src=\"/static/settings.js\" defer></script></head><body>";
  out += nav;
  out += "<main class=\"container-fluid\" id=\"inhalt\"><h1 class=\"h3\">";
  out += Escape(title);
  out += "</h1>";
  out += body;
  out += "</main></body></html>\n";
  return out;
}

}  // namespace kehrbote
