// Every route of the portal, in one table (the authorization test walks it:
// every route with {firm} must answer 404 for a firm the user may not see).
//
//   GET  /                          -> /overview (admin) or the user's firm page
//   GET  /login, POST /login, POST /logout          login_page.h
//   GET  /static/{name}                             static_files.h
//   GET  /overview                  admins only     overview_page.h
//   GET  /firms/{firm}, /firms/{firm}/protocol, /firms/{firm}/usage.csv,
//        /api/firms/{firm}/status                   firm_page.h
//   GET  /firms/{firm}/import, POST /firms/{firm}/import   import_page.h
//   GET  /firms/{firm}/settings, POST /firms/{firm}/settings,
//        POST /api/firms/{firm}/preview                    settings_page.h
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/router.h"
#include "dispatcher/web/session.h"
#include "dispatcher/web/static_files.h"

namespace kehrbote {

// `portal`, `sessions` and `files` must outlive `router`.
void AddPortalRoutes(Router& router, PortalContext& portal, Sessions& sessions,
                     const StaticFiles& files);

}  // namespace kehrbote
