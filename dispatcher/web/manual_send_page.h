// The Manual send page ("SMS senden"; firm users: their own firm, partner
// admins: any firm), in three steps over ManualSendService
// (dispatcher/manual_send/manual_send_service.h):
//   GET  /firms/{firm}/send          step 1, the form: recipients from the
//                                    firm's stored appointments by filter (date
//                                    range, appointment kind, post code or place,
//                                    main sweeps only) and/or pasted numbers;
//                                    contacts without consent only when the box
//                                    is ticked; the text with <<Platzhalter>>.
//                                    Carries a new random send id.
//   POST /firms/{firm}/send          step 2, "Vorschau" (Prepare, no writes): the
//                                    form again, then every recipient (customer,
//                                    number, appointment, text, encoding, parts,
//                                    price), the totals, the contacts left out
//                                    with their reason, and the confirm form
//                                    carrying the same fields and send id.
//   POST /firms/{firm}/send/confirm  step 3 (Confirm): enqueues one SMS per
//                                    sendable recipient into the outbox, audited;
//                                    the same send id again (a double submit, a
//                                    reload) enqueues nothing and says so.
// Recipients' names and numbers are the firm's own data and are shown in full
// on the firm-scoped pages; pasted numbers are recorded masked.
// The firm's policy is its current settings version in the store; a firm
// without usable settings gets a notice instead of the form.
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse ManualSendForm(PortalContext& portal, const WebRequest& request);
WebResponse ManualSendPreview(PortalContext& portal, const WebRequest& request);
WebResponse ManualSendConfirm(PortalContext& portal, const WebRequest& request);

}  // namespace kehrbote
