// GET /login (the form), POST /login (session.h: throttle, Argon2id, new
// session cookie), POST /logout (CSRF-checked by the router). After a login a
// partner admin lands on /overview, a firm user on their firm's page. A wrong
// password and an unknown name get the same answer; a throttled login says to
// wait, without telling whether the password was right.
#pragma once

#include "dispatcher/web/router.h"
#include "dispatcher/web/session.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse LoginForm(const WebRequest& request, const std::string& message = "");
WebResponse LoginSubmit(Sessions& sessions, const Router& router, const WebRequest& request);
WebResponse LogoutSubmit(Sessions& sessions, const Router& router, const WebRequest& request);

}  // namespace kehrbote
