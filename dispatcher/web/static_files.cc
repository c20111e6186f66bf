#include "dispatcher/web/static_files.h"

#include "dispatcher/web/router.h"
#include "shared/env/env.h"

namespace kehrbote {
namespace {

// Traffic lights and small-screen tweaks; everything else is Bootstrap.
constexpr const char* kPortalCss = R"(.ampel{display:inline-block;width:1rem;height:1rem;border-radius:50%;vertical-align:middle;border:1px solid #444}
.ampel.ampel-rot{background:#dc3545}.ampel.ampel-gelb{background:#ffc107}.ampel.ampel-grün{background:#198754}
tr.ampel-rot td{background:#f8d7da}tr.ampel-gelb td{background:#fff3cd}
svg.verbrauch{max-width:100%;height:auto;margin-bottom:1rem}
form.anmeldung{max-width:24rem}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #fd7e14;outline-offset:2px}
)";

// Progressive enhancement only: every page works without it. Sends the
// overview's filter form as soon as a select changes.
constexpr const char* kPortalJs = R"('use strict';
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('form[role=search] select').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
});
)";

}  // namespace

StaticFiles::StaticFiles(const std::string& bootstrap_dir) {
  files_["bootstrap.min.css"] = {"text/css; charset=utf-8",
                                 Env::Default().ReadFile(bootstrap_dir + "/css/bootstrap.min.css")};
  files_["portal.css"] = {"text/css; charset=utf-8", kPortalCss};
  files_["portal.js"] = {"text/javascript; charset=utf-8", kPortalJs};
}

WebResponse StaticFiles::Serve(const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end()) return NotFound();
  WebResponse r;
  r.content_type = it->second.first;
  r.body = it->second.second;
  r.headers.emplace_back("Cache-Control", "max-age=86400");
  return r;
}

}  // namespace kehrbote
