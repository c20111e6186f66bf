#include "dispatcher/web/settings_page.h"

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/preview/settings_preview.h"
#include "dispatcher/settings/firm_settings_save.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/web/html.h"
#include "dispatcher/web/settings_fields.h"
#include "shared/config/config_node.h"
#include "shared/log/logger.h"

namespace kehrbote {
namespace {

// What a page shows besides the YAML: the fields' values (the text's, or those
// posted), the errors (each also at its field), and a message on top.
struct SettingsView {
  std::vector<SettingsField> fields;
  std::vector<SettingsError> errors;
  std::string message;
  int status = 200;
};

std::string FieldErrors(const std::vector<SettingsError>& errors, const std::string& key) {
  std::string out;
  for (const SettingsError& e : errors)
    if (e.key == key)
      out += "<div class=\"invalid-feedback d-block\">" + Escape(e.message) + "</div>";
  return out;
}

std::string FieldInput(const SettingsField& f, const std::vector<SettingsError>& errors) {
  const std::string id = "feld-" + f.key;
  const std::string invalid = FieldErrors(errors, f.key);
  std::string out = "<div class=\"col-12 col-md-6\"><label class=\"form-label\" for=\"" +
                    Escape(id) + "\">" + Escape(f.label) + "</label>";
  const std::string cls = invalid.empty() ? "" : " is-invalid";
  if (f.type == "select") {
    out += "<select class=\"form-select" + cls + "\" id=\"" + Escape(id) + "\" name=\"" +
           Escape(f.key) + "\">";
    for (const auto& [value, label] : f.choices)
      out += "<option value=\"" + Escape(value) + "\"" + (value == f.value ? " selected" : "") +
             ">" + Escape(label) + "</option>";
    out += "</select>";
  } else {
    out += "<input class=\"form-control" + cls + "\" type=\"" + f.type + "\" id=\"" + Escape(id) +
           "\" name=\"" + Escape(f.key) + "\" value=\"" + Escape(f.value) + "\">";
  }
  return out + invalid + "</div>";
}

// The common values as fields; saved through their own form.
std::string FieldsForm(const WebRequest& req, const std::string& base, int64_t version,
                       const SettingsView& view) {
  std::string out = "<form method=\"post\" action=\"" + base +
                    "/settings/fields\" "
                    "id=\"felder\" class=\"card card-body mb-3\">" +
                    CsrfField(req) + "<input type=\"hidden\" name=\"version\" value=\"" +
                    std::to_string(version) +
                    "\"><h2 class=\"h5\">Häufige Einstellungen</h2>"
                    "<div class=\"row g-2\">";
  for (const SettingsField& f : view.fields) out += FieldInput(f, view.errors);
  return out +
         "</div><button class=\"btn btn-primary mt-2\" type=\"submit\" "
         "id=\"felder-speichern\">Felder speichern</button></form>";
}

std::string ErrorList(const std::vector<SettingsError>& errors) {
  if (errors.empty()) return "";
  std::string list =
      "<div class=\"alert alert-danger\" role=\"alert\" id=\"fehler\">"
      "Nicht gespeichert:<ul>";
  for (const SettingsError& e : errors) {
    list += "<li><code>" + Escape(e.key.empty() ? "(Text)" : e.key) + "</code>" +
            (e.line > 0 ? " (Zeile " + std::to_string(e.line) + ")" : "") + ": " +
            Escape(e.message) + "</li>";
  }
  return list + "</ul></div>";
}

std::string Form(const WebRequest& req, const std::string& firm, const std::string& yaml,
                 int64_t version, const SettingsView& view) {
  std::string base = "/firms/" + UrlEncode(firm);
  return view.message + ErrorList(view.errors) +
         "<div class=\"row g-3\"><div class=\"col-12 col-lg-7\">" +
         FieldsForm(req, base, version, view) + "<form method=\"post\" action=\"" + base +
         "/settings\" id=\"einstellungen\" "
         "data-preview=\"/api" +
         base + "/preview\">" + CsrfField(req) +
         "<input type=\"hidden\" name=\"version\" value=\"" + std::to_string(version) +
         "\">"
         "<label class=\"form-label\" for=\"yaml\">Alle Einstellungen (Regeln, Vorlaufzeiten, "
         "Ruhezeiten, Absender, Texte) – Version " +
         std::to_string(version) +
         "</label>"
         "<textarea class=\"form-control font-monospace\" id=\"yaml\" name=\"yaml\" rows=\"24\" "
         "spellcheck=\"false\">" +
         Escape(yaml) +
         "</textarea>"
         "<button class=\"btn btn-primary mt-2\" type=\"submit\" "
         "id=\"speichern\">Speichern</button>"
         "</form></div><div class=\"col-12 col-lg-5\"><h2 class=\"h5\">Vorschau</h2>"
         "<div id=\"vorschau\" aria-live=\"polite\">Die Vorschau erscheint beim Bearbeiten.</div>"
         "</div></div>";
}

// Plans the firm's appointments again with the saved settings, through the
// planning code `run` uses for a changed version (a full pass of one firm: the
// policy's fingerprint changed, so every current appointment is replanned), so
// the firm page shows the new send times at once. `run` finds nothing left to
// do for the firm at its next pass; the firm's lock keeps the two apart.
// Returns the messages written.
int Replan(PortalContext& portal, const FirmConfig& firm) {
  const DispatcherConfig none;  // PlanFirm reads only the firm's policy and the store
  DispatcherApp app(none, portal.db);
  return app.PlanFirm(firm, nullptr, portal.clock.Now()).planned;
}

WebResponse Render(const WebRequest& req, const std::string& yaml, int64_t version,
                   SettingsView view) {
  if (view.fields.empty()) view.fields = CommonSettingsFields(yaml);
  WebResponse r;
  r.status = view.status;
  r.body = Page(req, "Einstellungen – " + req.Firm(), Form(req, req.Firm(), yaml, version, view));
  return r;
}

// Saves `yaml` over version `shown` (both forms end here): the loader's checks,
// the version conflict, the audit, the replan; the page with the outcome.
// `fields`: what the fields form shows if the save fails (its posted values).
WebResponse Save(PortalContext& portal, const WebRequest& req, const std::string& yaml,
                 int64_t shown, std::vector<SettingsField> fields) {
  FirmSettingsStore store(portal.db);
  std::optional<StoredSettings> before = store.Current(req.Firm());
  SettingsEdit edit;
  edit.firm_id = req.Firm();
  edit.yaml = yaml;
  edit.author = req.user->name;
  edit.editor =
      req.user->role == Role::kPartnerAdmin ? SettingsEditor::kPartner : SettingsEditor::kFirm;
  edit.expected_version = shown;
  SettingsSaveOutcome out = SaveFirmSettings(store, edit, portal.clock.Now());
  if (!out.errors.empty()) return Render(req, yaml, shown, {fields, out.errors, "", 422});
  if (out.conflict) {
    return Render(
        req, yaml, shown,
        {fields,
         {},
         "<div class=\"alert alert-warning\" role=\"alert\" id=\"fehler\">Nicht "
         "gespeichert: inzwischen wurde Version " +
             std::to_string(out.version) + " gespeichert. Bitte die Seite neu laden.</div>",
         409});
  }
  std::string replanned;
  if (out.saved) {
    portal.accounts.Audit(req.user->name, req.Firm(), "settings save",
                          "version " + std::to_string(before ? before->version : 0),
                          "version " + std::to_string(out.version));
    if (out.firm) {
      try {
        const int planned = Replan(portal, *out.firm);
        replanned = " Die Erinnerungen wurden neu geplant (" + std::to_string(planned) +
                    " Nachrichten), siehe <a href=\"/firms/" + UrlEncode(req.Firm()) +
                    "#plan\">Erinnerungen der nächsten 14 Tage</a>.";
      } catch (const std::exception& e) {
        // Saved all the same; `run` replans from the new version at its next pass.
        Log("web")
            .ForFirm(req.Firm())
            .Error("replanning after settings version " + std::to_string(out.version) + ": " +
                   e.what());
        replanned = " Die Erinnerungen werden beim nächsten Durchlauf neu geplant.";
      }
    }
  }
  return Render(req, yaml, out.version,
                {{},
                 {},
                 "<div class=\"alert alert-success\" role=\"status\" id=\"ergebnis\">Gespeichert "
                 "als Version " +
                     std::to_string(out.version) + "." + replanned + "</div>"});
}

int64_t ShownVersion(const WebRequest& req) {
  try {
    return std::stoll(req.Param("version"));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

WebResponse SettingsForm(PortalContext& portal, const WebRequest& req) {
  FirmSettingsStore store(portal.db);
  std::optional<StoredSettings> current = store.Current(req.Firm());
  return Render(req, current ? current->yaml : "id: " + req.Firm() + "\n",
                current ? current->version : 0, {});
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
  return Save(portal, req, req.Param("yaml"), ShownVersion(req), {});
}

WebResponse SettingsFieldsSubmit(PortalContext& portal, const WebRequest& req) {
  std::optional<StoredSettings> current = FirmSettingsStore(portal.db).Current(req.Firm());
  const std::string yaml = current ? current->yaml : "id: " + req.Firm() + "\n";
  std::vector<SettingsField> fields = CommonSettingsFields(yaml);
  const SettingsValues changed = ChangedSettingsValues(fields, req);
  for (SettingsField& f : fields) f.value = req.TrimmedParam(f.key);  // shown if refused
  const int64_t shown = ShownVersion(req);
  if (changed.empty()) {
    return Render(req, yaml, current ? current->version : 0,
                  {{},
                   {},
                   "<div class=\"alert alert-info\" role=\"status\" id=\"ergebnis\">Keine "
                   "Änderung.</div>"});
  }
  std::string edited;
  try {
    edited = EditFirmSettings(yaml, changed);
  } catch (const ConfigError& e) {
    SettingsError error;
    error.key = e.key();
    error.message = e.what();
    return Render(req, yaml, shown, {fields, {error}, "", 422});
  }
  return Save(portal, req, edited, shown, fields);
}

}  // namespace kehrbote
