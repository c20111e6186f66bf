// GET /firms/{firm}/import: upload form for an export file (multipart, field
// "file"). POST /firms/{firm}/import: the file is applied exactly as one from
// the firm's SFTP inbox (SnapshotIngest::ApplyStream: schema validation, firm id
// must be this firm's, refused whole with the reason), recorded in
// processed_files, and audited. The next pass of `run` plans it.
#pragma once

#include "dispatcher/web/portal_context.h"
#include "dispatcher/web/web_request.h"

namespace kehrbote {

WebResponse ImportForm(PortalContext& portal, const WebRequest& request, const std::string& result = "");
WebResponse ImportSubmit(PortalContext& portal, const WebRequest& request);

}  // namespace kehrbote
