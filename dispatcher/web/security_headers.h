// The headers every portal answer carries. The CSP allows scripts, styles and
// images from the portal itself only (no inline script; inline SVG charts are
// markup, not script) and forbids framing; pages are not cached, since they
// show personal data.
#pragma once

#include "dispatcher/web/web_request.h"

namespace kehrbote {

void AddSecurityHeaders(WebResponse& response, bool https);

}  // namespace kehrbote
