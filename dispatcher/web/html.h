// Small HTML building blocks of the portal's server-rendered pages (German).
// Every text that comes from the store or the request goes through Escape().
#pragma once

#include <string>
#include <string_view>

#include "dispatcher/web/web_request.h"

namespace kehrbote {

// & < > " ' escaped for element content and quoted attributes.
std::string Escape(std::string_view text);
// Percent-encoding of one URL query value or path piece.
std::string UrlEncode(std::string_view text);

// The whole page: Bootstrap (served locally), portal.css/portal.js, a navigation
// bar with the user and a logout form carrying the CSRF token, then `body`.
// `request.user` may be empty (login page).
std::string Page(const WebRequest& request, std::string_view title, std::string_view body);

// <input type="hidden" name="csrf" ...> for forms that change state.
std::string CsrfField(const WebRequest& request);

}  // namespace kehrbote
