// The firm's own pages (firm users: their firm; partner admins: any firm):
//   GET /firms/{firm}             reminders of the next 14 days (send time,
//                                 channel, state), customers without a reminder
//                                 and why (unreachable_report.h), the 30 latest
//                                 messages, usage of the last 12 months as an
//                                 inline SVG chart
//   GET /firms/{firm}/protocol    the SMS-Protokoll, ?q= part of a number,
//                                 address or text (customer name in the text)
//   GET /firms/{firm}/usage.csv   the usage table as CSV (usage_report.h)
//   GET /api/firms/{firm}/status  the firm's overview row as JSON
// Times in the firm's zone, "Jänner" for Austrian firms.
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse FirmPage(PortalContext& portal, const WebRequest& request);
WebResponse ProtocolPage(PortalContext& portal, const WebRequest& request);
WebResponse UsageCsv(PortalContext& portal, const WebRequest& request);
WebResponse FirmStatusJson(PortalContext& portal, const WebRequest& request);

}  // namespace kehrbote
