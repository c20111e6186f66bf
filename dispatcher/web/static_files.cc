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

// The Settings page's live preview: sends the edited text (with the CSRF token)
// to the preview endpoint 400 ms after the last key and shows each SMS text
// with encoding, characters, parts, price and warnings. Texts are set with
// textContent, never as HTML.
constexpr const char* kSettingsJs = R"('use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('einstellungen');
  if (!form) return;
  var out = document.getElementById('vorschau');
  var timer = null;
  function line(parent, tag, text, cls) {
    var e = document.createElement(tag);
    e.textContent = text;
    if (cls) e.className = cls;
    parent.appendChild(e);
    return e;
  }
  function show(p) {
    out.replaceChildren();
    (p.errors || []).forEach(function (e) {
      line(out, 'div', (e.key || 'Text') + (e.line ? ' (Zeile ' + e.line + ')' : '') + ': ' + e.message,
           'alert alert-danger py-1 mb-1');
    });
    (p.templates || []).forEach(function (t) {
      var card = line(out, 'div', '', 'card mb-2 vorlage');
      var body = line(card, 'div', '', 'card-body');
      line(body, 'h3', t.name + ' (' + (t.channel === 'sms' ? 'SMS' : 'E-Mail') + ')', 'h6');
      line(body, 'p', t.text, 'mb-1');
      if (t.channel === 'sms') {
        line(body, 'p', t.encoding + ', ' + t.characters + ' Zeichen, ' + t.segments + ' SMS-Teile, ' +
             t.price_text, 'small mb-1 teile').dataset.segments = t.segments;
      }
      (t.warnings || []).forEach(function (w) { line(body, 'p', w, 'small text-danger mb-0'); });
    });
  }
  function preview() {
    var data = new URLSearchParams();
    data.set('csrf', form.elements.csrf.value);
    data.set('yaml', form.elements.yaml.value);
    fetch(form.dataset.preview, {method: 'POST', body: data, credentials: 'same-origin'})
      .then(function (r) { return r.json(); }).then(show)
      .catch(function () { out.textContent = 'Vorschau nicht verfügbar.'; });
  }
  form.elements.yaml.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(preview, 400);
  });
  preview();
});
)";

}  // namespace

StaticFiles::StaticFiles(const std::string& bootstrap_dir) {
  files_["bootstrap.min.css"] = {"text/css; charset=utf-8",
                                 Env::Default().ReadFile(bootstrap_dir + "/css/bootstrap.min.css")};
  files_["portal.css"] = {"text/css; charset=utf-8", kPortalCss};
  files_["portal.js"] = {"text/javascript; charset=utf-8", kPortalJs};
  files_["settings.js"] = {"text/javascript; charset=utf-8", kSettingsJs};
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
