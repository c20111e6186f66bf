// The firm's settings (firm users: their own; partner admins: any firm):
//   GET  /firms/{firm}/settings           the current version's YAML (rules, lead
//                                         times, quiet hours, sender, heartbeat
//                                         contacts, templates) in an editor, with
//                                         the live preview beside it
//   POST /api/firms/{firm}/preview        field "yaml": the preview JSON of
//                                         dispatcher/preview/settings_preview.h
//                                         (text, GSM/UCS-2, characters, parts,
//                                         price, German warnings), for settings.js
//   POST /firms/{firm}/settings           fields "yaml", "version": saved through
//                                         SaveFirmSettings (the loader's checks; a
//                                         firm user may not change inbox, quota,
//                                         delivery); errors listed with key and
//                                         line, nothing half-saved; a save over a
//                                         newer version is refused (conflict);
//                                         audited with the versions before/after;
//                                         then the firm is replanned at once with
//                                         the new version (DispatcherApp::PlanFirm,
//                                         as `run` does at its next pass), so the
//                                         firm page shows the new send times.
//   POST /firms/{firm}/settings/fields    the same save for the form fields of the
//                                         common values (settings_fields.h: sender,
//                                         quiet hours, channel policy, each rule's
//                                         lead), applied to the current version's
//                                         text with EditFirmSettings (the YAML is
//                                         rewritten: its comments are lost); an
//                                         error is shown at its field.
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse SettingsForm(PortalContext& portal, const WebRequest& request);
WebResponse SettingsPreviewJson(PortalContext& portal, const WebRequest& request);
WebResponse SettingsSubmit(PortalContext& portal, const WebRequest& request);
WebResponse SettingsFieldsSubmit(PortalContext& portal, const WebRequest& request);

}  // namespace kehrbote
