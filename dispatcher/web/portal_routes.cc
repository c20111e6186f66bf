#include "dispatcher/web/portal_routes.h"

#include "dispatcher/web/firm_page.h"
#include "dispatcher/web/html.h"
#include "dispatcher/web/import_page.h"
#include "dispatcher/web/login_page.h"
#include "dispatcher/web/manual_send_page.h"
#include "dispatcher/web/overview_page.h"
#include "dispatcher/web/settings_page.h"

namespace kehrbote {

void AddPortalRoutes(Router& router, PortalContext& portal, Sessions& sessions,
                     const StaticFiles& files) {
  Router* r = &router;
  PortalContext* p = &portal;
  router.Add({"GET", "/", true, false, false, [](WebRequest& req) {
                const User& u = *req.user;
                return WebResponse::Redirect(u.role == Role::kPartnerAdmin
                                                 ? "/overview"
                                                 : "/firms/" + UrlEncode(u.firm_id));
              }});
  router.Add({"GET", "/login", false, false, false, [](WebRequest& req) { return LoginForm(req); }});
  router.Add({"POST", "/login", false, false, false,
              [&sessions, r](WebRequest& req) { return LoginSubmit(sessions, *r, req); }});
  router.Add({"POST", "/logout", true, false, false,
              [&sessions, r](WebRequest& req) { return LogoutSubmit(sessions, *r, req); }});
  router.Add({"GET", "/static/{name}", false, false, false,
              [&files](WebRequest& req) { return files.Serve(req.path_params.at("name")); }});
  router.Add({"GET", "/overview", true, true, false,
              [p](WebRequest& req) { return OverviewPage(*p, req); }});
  router.Add({"GET", "/firms/{firm}", true, false, false,
              [p](WebRequest& req) { return FirmPage(*p, req); }});
  router.Add({"GET", "/firms/{firm}/protocol", true, false, false,
              [p](WebRequest& req) { return ProtocolPage(*p, req); }});
  router.Add({"GET", "/firms/{firm}/usage.csv", true, false, false,
              [p](WebRequest& req) { return UsageCsv(*p, req); }});
  router.Add({"GET", "/api/firms/{firm}/status", true, false, true,
              [p](WebRequest& req) { return FirmStatusJson(*p, req); }});
  router.Add({"GET", "/firms/{firm}/import", true, false, false,
              [p](WebRequest& req) { return ImportForm(*p, req); }});
  router.Add({"POST", "/firms/{firm}/import", true, false, false,
              [p](WebRequest& req) { return ImportSubmit(*p, req); }});
  router.Add({"GET", "/firms/{firm}/settings", true, false, false,
              [p](WebRequest& req) { return SettingsForm(*p, req); }});
  router.Add({"POST", "/firms/{firm}/settings", true, false, false,
              [p](WebRequest& req) { return SettingsSubmit(*p, req); }});
  router.Add({"POST", "/firms/{firm}/settings/fields", true, false, false,
              [p](WebRequest& req) { return SettingsFieldsSubmit(*p, req); }});
  router.Add({"POST", "/api/firms/{firm}/preview", true, false, true,
              [p](WebRequest& req) { return SettingsPreviewJson(*p, req); }});
  router.Add({"GET", "/firms/{firm}/send", true, false, false,
              [p](WebRequest& req) { return ManualSendForm(*p, req); }});
  router.Add({"POST", "/firms/{firm}/send", true, false, false,
              [p](WebRequest& req) { return ManualSendPreview(*p, req); }});
  router.Add({"POST", "/firms/{firm}/send/confirm", true, false, false,
              [p](WebRequest& req) { return ManualSendConfirm(*p, req); }});
}

}  // namespace kehrbote
