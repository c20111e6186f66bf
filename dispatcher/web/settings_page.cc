#include "dispatcher/web/settings_page.h"

#include "dispatcher/preview/settings_preview.h"
#include "dispatcher/settings/firm_settings_save.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/web/html.h"

namespace kehrbote {
namespace {

std::string Form(const WebRequest& req, const std::string& firm, const std::string& yaml,
                 int64_t version, const std::string& message) {
  std::string base = "/firms/" + UrlEncode(firm);
  return message +
         "<div class=\"row g-3\"><div class=\"col-12 col-lg-7\">"
         "<form method=\"post\" action=\"" + base + "/settings\" id=\"einstellungen\" "
         "data-preview=\"/api" + base + "/preview\">" + CsrfField(req) +
         "<input type=\"hidden\" name=\"version\" value=\"" + std::to_string(version) + "\">"
         "<label class=\"form-label\" for=\"yaml\">Einstellungen (Regeln, Vorlaufzeiten, "
         "Ruhezeiten, Absender, Texte) – Version " + std::to_string(version) + "</label>"
         "<textarea class=\"form-control font-monospace\" id=\"yaml\" name=\"yaml\" rows=\"24\" "
         "spellcheck=\"false\">" + Escape(yaml) + "</textarea>"
         "<button class=\"btn btn-primary mt-2\" type=\"submit\" id=\"speichern\">Speichern</button>"
         "</form></div><div class=\"col-12 col-lg-5\"><h2 class=\"h5\">Vorschau</h2>"
         "<div id=\"vorschau\" aria-live=\"polite\">Die Vorschau erscheint beim Bearbeiten.</div>"
         "</div></div>";
}

WebResponse Render(const WebRequest& req, const std::string& yaml, int64_t version,
                   const std::string& message, int status = 200) {
  WebResponse r;
  r.status = status;
  r.body = Page(req, "Einstellungen – " + req.Firm(), Form(req, req.Firm(), yaml, version, message));
  return r;
}

}  // namespace

WebResponse SettingsForm(PortalContext& portal, const WebRequest& req) {
  FirmSettingsStore store(portal.db);
  std::optional<StoredSettings> current = store.Current(req.Firm());
  return Render(req, current ? current->yaml : "id: " + req.Firm() + "\n",
                current ? current->version : 0, "");
}

WebResponse SettingsPreviewJson(PortalContext& portal, const WebRequest& req) {
  nlohmann::json preview =
      PreviewFirmSettings(portal.db, SmsPrice{portal.price_per_segment, portal.currency},
                          req.Firm(), req.Param("yaml"), portal.clock.Now());
  WebResponse r;
  r.content_type = "application/json";
  r.body = preview.dump();
  return r;
}

WebResponse SettingsSubmit(PortalContext& portal, const WebRequest& req) {
  FirmSettingsStore store(portal.db);
  std::optional<StoredSettings> before = store.Current(req.Firm());
  SettingsEdit edit;
  edit.firm_id = req.Firm();
  edit.yaml = req.Param("yaml");
  edit.author = req.user->name;
  edit.editor = req.user->role == Role::kPartnerAdmin ? SettingsEditor::kPartner
                                                      : SettingsEditor::kFirm;
  int64_t shown = 0;
  try {
    shown = std::stoll(req.Param("version"));
  } catch (const std::exception&) {
  }
  edit.expected_version = shown;
  SettingsSaveOutcome out = SaveFirmSettings(store, edit, portal.clock.Now());
  if (!out.errors.empty()) {
    std::string list = "<div class=\"alert alert-danger\" role=\"alert\" id=\"fehler\">"
                       "Nicht gespeichert:<ul>";
    for (const SettingsError& e : out.errors) {
      list += "<li><code>" + Escape(e.key.empty() ? "(Text)" : e.key) + "</code>" +
              (e.line > 0 ? " (Zeile " + std::to_string(e.line) + ")" : "") + ": " +
              Escape(e.message) + "</li>";
    }
    return Render(req, edit.yaml, shown, list + "</ul></div>", 422);
  }
  if (out.conflict) {
    return Render(req, edit.yaml, shown,
                  "<div class=\"alert alert-warning\" role=\"alert\" id=\"fehler\">Nicht "
                  "gespeichert: inzwischen wurde Version " + std::to_string(out.version) +
                      " gespeichert. Bitte die Seite neu laden.</div>",
                  409);
  }
  if (out.saved) {
    portal.accounts.Audit(req.user->name, req.Firm(), "settings save",
                          "version " + std::to_string(before ? before->version : 0),
                          "version " + std::to_string(out.version));
  }
  return Render(req, edit.yaml, out.version,
                "<div class=\"alert alert-success\" role=\"status\" id=\"ergebnis\">Gespeichert "
                "als Version " + std::to_string(out.version) + ".</div>");
}

}  // namespace kehrbote
