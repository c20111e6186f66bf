// GET /overview (partner admins only): one row per firm with its traffic light
// (firm_status.h). Query parameters, all optional, work without JavaScript:
//   q      part of the firm id or name
//   light  rot | gelb | grün   only firms with that light
//   sort   light (default: red first) | firm | export (oldest first) | failed
// Each row links to the firm page.
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse OverviewPage(PortalContext& portal, const WebRequest& request);

}  // namespace kehrbote
