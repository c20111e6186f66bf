#include "dispatcher/web/manual_send_page.h"

#include <map>
#include <optional>

#include "dispatcher/manual_send/manual_send_service.h"
#include "dispatcher/settings/effective_policy.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/settings/settings_check.h"
#include "dispatcher/web/html.h"
#include "dispatcher/web/session.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

// The form's fields; the confirm form carries them all again, hidden.
constexpr const char* kFields[] = {"termine", "von",    "bis",     "art",
                                   "ort",     "nur_hk", "nummern", "ohne_zustimmung",
                                   "text",    "send_id"};

constexpr const char* kKinds[][2] = {{"", "alle Terminarten"},
                                     {"main_sweep", "Hauptkehrung"},
                                     {"sweep", "Kehrung"},
                                     {"inspection", "Überprüfung"},
                                     {"special", "Sonderarbeit"}};

// Field name -> German message, shown at the field.
using FieldErrors = std::map<std::string, std::string>;

// Browsers send a textarea's line breaks as CRLF; an SMS gets LF.
std::string WithoutCarriageReturns(std::string s) {
  std::erase(s, '\r');
  return s;
}

// One number per line (or separated by ',' or ';'), as typed.
std::vector<std::string> PastedNumbers(const std::string& typed) {
  std::vector<std::string> out;
  std::string piece;
  for (char c : typed + "\n") {
    if (c == '\n' || c == ',' || c == ';') {
      if (std::string t = TrimSpace(piece); !t.empty()) out.push_back(t);
      piece.clear();
    } else {
      piece += c;
    }
  }
  return out;
}

std::optional<LocalTime> DateField(const WebRequest& req, const char* name, FieldErrors& errors) {
  const std::string v = req.TrimmedParam(name);
  if (v.empty()) return std::nullopt;
  std::optional<LocalTime> d = ParseLocalDate(v);
  if (!d) errors[name] = "Bitte ein Datum wie 2026-11-24 angeben.";
  return d;
}

// The form as a request; problems go to `errors` by field.
ManualSendRequest ReadForm(const WebRequest& req, FieldErrors& errors) {
  ManualSendRequest r;
  r.firm_id = req.Firm();
  r.text = WithoutCarriageReturns(req.Param("text"));
  r.send_id = req.Param("send_id");
  r.include_without_consent = req.Param("ohne_zustimmung") == "1";
  r.numbers = PastedNumbers(req.Param("nummern"));
  if (req.Param("termine") == "1") {
    RecipientFilter f;
    f.from = DateField(req, "von", errors);
    f.to = DateField(req, "bis", errors);
    if (const std::string kind = req.Param("art"); !kind.empty()) {
      f.kind = ParseAppointmentKind(kind);
      if (!f.kind) errors["art"] = "Unbekannte Terminart.";
    }
    f.place = req.TrimmedParam("ort");
    f.main_sweep_only = req.Param("nur_hk") == "1";
    r.filter = f;
  }
  if (!r.filter && r.numbers.empty())
    errors["termine"] = "Bitte Empfänger wählen: Kunden aus den Terminen und/oder Nummern.";
  if (req.TrimmedParam("text").empty()) errors["text"] = "Bitte einen Text eingeben.";
  if (std::string e = CheckSendId(r.send_id); !e.empty())
    errors["text"] = "Das Formular ist unvollständig. Bitte die Seite neu laden.";
  return r;
}

// The firm's policy from its current settings in the store; nullopt if it has
// none that load.
std::optional<FirmPolicy> CurrentPolicy(Database& db, const std::string& firm_id) {
  std::optional<StoredSettings> s = FirmSettingsStore(db).Current(firm_id);
  if (!s || s->removed) return std::nullopt;
  SettingsCheck check = CheckFirmSettings(
      s->yaml, "firm " + firm_id + " v" + std::to_string(s->version) + " (store)");
  if (!check.firm) return std::nullopt;
  return EffectivePolicy(*check.firm, AppointmentStore(db).GetFirm(firm_id));
}

std::string Feedback(const FieldErrors& errors, const char* field) {
  auto it = errors.find(field);
  return it == errors.end() ? ""
                            : "<div class=\"invalid-feedback d-block\" id=\"fehler-" +
                                  std::string(field) + "\">" + Escape(it->second) + "</div>";
}

std::string Invalid(const FieldErrors& errors, const char* field) {
  return errors.count(field) ? " is-invalid" : "";
}

std::string Checkbox(const char* name, const std::string& label, bool checked) {
  return "<div class=\"form-check\"><input class=\"form-check-input\" type=\"checkbox\" "
         "value=\"1\" id=\"" +
         std::string(name) + "\" name=\"" + name + "\"" + (checked ? " checked" : "") +
         "><label class=\"form-check-label\" for=\"" + name + "\">" + label + "</label></div>";
}

std::string Input(const WebRequest& req, const FieldErrors& errors, const char* name,
                  const std::string& label, const char* type) {
  return "<label class=\"form-label\" for=\"" + std::string(name) + "\">" + label +
         "</label><input class=\"form-control" + Invalid(errors, name) + "\" type=\"" + type +
         "\" id=\"" + name + "\" name=\"" + name + "\" value=\"" + Escape(req.Param(name)) + "\">" +
         Feedback(errors, name);
}

std::string KindSelect(const WebRequest& req, const FieldErrors& errors) {
  std::string out =
      "<label class=\"form-label\" for=\"art\">Terminart</label>"
      "<select class=\"form-select" +
      Invalid(errors, "art") + "\" id=\"art\" name=\"art\">";
  for (const auto& kind : kKinds)
    out += "<option value=\"" + std::string(kind[0]) + "\"" +
           (req.Param("art") == kind[0] ? " selected" : "") + ">" + kind[1] + "</option>";
  return out + "</select>" + Feedback(errors, "art");
}

// Step 1's form, filled from `req` (the fields posted, or the defaults).
std::string Form(const WebRequest& req, const std::string& base, const std::string& send_id,
                 const FieldErrors& errors) {
  return "<form method=\"post\" action=\"" + base + "/send\" id=\"versand\" class=\"mb-4\">" +
         CsrfField(req) + "<input type=\"hidden\" name=\"send_id\" value=\"" + Escape(send_id) +
         "\"><fieldset class=\"mb-3\"><legend class=\"h5\">Empfänger</legend>" +
         Checkbox("termine", "Kunden aus den gespeicherten Terminen, gefiltert:",
                  req.Param("termine") == "1") +
         Feedback(errors, "termine") +
         "<div class=\"row g-2 mb-2 ms-3\"><div class=\"col-6 col-md-3\">" +
         Input(req, errors, "von", "Termine von", "date") + "</div><div class=\"col-6 col-md-3\">" +
         Input(req, errors, "bis", "bis", "date") + "</div><div class=\"col-12 col-md-3\">" +
         KindSelect(req, errors) + "</div><div class=\"col-12 col-md-3\">" +
         Input(req, errors, "ort", "PLZ oder Ort", "text") + "</div><div class=\"col-12\">" +
         Checkbox("nur_hk", "Nur Hauptkehrungen (HK)", req.Param("nur_hk") == "1") +
         "</div></div><label class=\"form-label\" for=\"nummern\">und/oder Handynummern "
         "(eine pro Zeile)</label><textarea class=\"form-control mb-2\" id=\"nummern\" "
         "name=\"nummern\" rows=\"3\">" +
         Escape(req.Param("nummern")) + "</textarea>" +
         Checkbox("ohne_zustimmung",
                  "Auch Kontakte <strong>ohne Zustimmung</strong> (Einverständniserklärung) "
                  "anschreiben",
                  req.Param("ohne_zustimmung") == "1") +
         "</fieldset><label class=\"form-label\" for=\"text\">Text (Platzhalter wie "
         "&lt;&lt;Name&gt;&gt;, &lt;&lt;Datum&gt;&gt;, &lt;&lt;Uhrzeit&gt;&gt;, "
         "&lt;&lt;Kehrbetrieb&gt;&gt;)</label><textarea class=\"form-control" +
         Invalid(errors, "text") + "\" id=\"text\" name=\"text\" rows=\"4\">" +
         Escape(req.Param("text")) + "</textarea>" + Feedback(errors, "text") +
         "<button class=\"btn btn-primary mt-2\" type=\"submit\" id=\"vorschau-zeigen\">"
         "Vorschau</button></form>";
}

std::string SkipReason(const ManualSkip& s) {
  static const std::map<std::string, std::string> names = {
      {"no_consent", "keine Zustimmung"},
      {"main_sweep_only", "Nur HK (nur für Hauptkehrungen)"},
      {"landline", "Festnetznummer"},
      {"invalid_number", "ungültige Nummer"},
      {"duplicate", "Nummer bekommt die Nachricht schon"},
      {"too_many_numbers", "mehr als 3 Nummern beim Termin"}};
  auto it = names.find(s.kind);
  return it == names.end() ? s.kind + ": " + s.reason : it->second;
}

std::string Totals(const ManualSendPlan& plan, const SmsPrice& price) {
  return "<p id=\"summe\" class=\"fs-5\"><strong data-messages=\"" + std::to_string(plan.messages) +
         "\">" + std::to_string(plan.messages) + "</strong> Nachrichten, <strong>" +
         std::to_string(plan.segments) + "</strong> SMS-Teile, Kosten <strong>" +
         Escape(FormatPrice(plan.cost, price.currency)) + "</strong></p>";
}

std::string RecipientTable(const ManualSendPlan& plan, const SmsPrice& price) {
  std::string out =
      "<div class=\"table-responsive\"><table class=\"table table-sm\" id=\"empfaenger\"><thead>"
      "<tr><th scope=\"col\">Kunde</th><th scope=\"col\">Nummer</th><th scope=\"col\">Termin</th>"
      "<th scope=\"col\">Text</th><th scope=\"col\">Zeichen</th><th scope=\"col\">Teile</th>"
      "<th scope=\"col\">Kosten</th><th scope=\"col\">Hinweis</th></tr></thead><tbody>";
  for (const ManualRecipient& r : plan.recipients) {
    std::string note = r.without_consent ? "ohne Zustimmung" : "";
    if (!r.text.sendable) note += (note.empty() ? "" : "; ") + std::string("wird nicht gesendet");
    for (const std::string& w : r.text.warnings) note += (note.empty() ? "" : "; ") + w;
    out += "<tr data-number=\"" + Escape(r.e164) + "\"><td>" + Escape(r.customer) + "</td><td>" +
           Escape(r.e164) + "</td><td>" + Escape(r.appointment_id) + "</td><td>" +
           Escape(r.text.text) + "</td><td>" + std::to_string(r.text.characters) + " (" +
           (r.text.encoding == "ucs2" ? "UCS-2" : "GSM 7-bit") + ")</td><td>" +
           std::to_string(r.text.segments) + "</td><td>" +
           Escape(FormatPrice(r.text.price, price.currency)) + "</td><td>" + Escape(note) +
           "</td></tr>";
  }
  if (plan.recipients.empty()) out += "<tr><td colspan=\"8\">Keine Empfänger.</td></tr>";
  return out + "</tbody></table></div>";
}

std::string SkipTable(const ManualSendPlan& plan) {
  if (plan.skipped.empty()) return "";
  std::string out =
      "<h2 class=\"h5\">Nicht angeschrieben</h2><div class=\"table-responsive\">"
      "<table class=\"table table-sm\" id=\"ausgelassen\"><thead><tr><th scope=\"col\">Kunde</th>"
      "<th scope=\"col\">Nummer</th><th scope=\"col\">Termin</th><th scope=\"col\">Grund</th>"
      "</tr></thead><tbody>";
  for (const ManualSkip& s : plan.skipped)
    out += "<tr><td>" + Escape(s.customer) + "</td><td>" + Escape(s.masked) + "</td><td>" +
           Escape(s.appointment_id) + "</td><td>" + Escape(SkipReason(s)) + "</td></tr>";
  return out + "</tbody></table></div>";
}

// Step 3's form: the same fields, hidden, and the button.
std::string ConfirmForm(const WebRequest& req, const std::string& base, const ManualSendPlan& plan,
                        const SmsPrice& price) {
  if (plan.messages == 0) return "<p>Es gibt nichts zu senden.</p>";
  std::string out = "<form method=\"post\" action=\"" + base +
                    "/send/confirm\" id=\"bestaetigen\" class=\"mb-3\">" + CsrfField(req);
  for (const char* f : kFields)
    out += "<input type=\"hidden\" name=\"" + std::string(f) + "\" value=\"" +
           Escape(req.Param(f)) + "\">";
  return out + "<button class=\"btn btn-danger\" type=\"submit\" id=\"senden\">Jetzt " +
         std::to_string(plan.messages) + " SMS senden (" +
         Escape(FormatPrice(plan.cost, price.currency)) + ")</button></form>";
}

WebResponse Render(const WebRequest& req, const std::string& firm_name, const std::string& body,
                   int status = 200) {
  WebResponse r;
  r.status = status;
  r.body = Page(req, "SMS senden – " + firm_name, body);
  return r;
}

WebResponse NoSettings(const WebRequest& req, const FirmInfo& firm) {
  return Render(req, firm.name,
                "<div class=\"alert alert-warning\" role=\"alert\" id=\"fehler\">Für diesen "
                "Betrieb sind noch keine gültigen Einstellungen gespeichert; ohne sie kann nichts "
                "gesendet werden. Bitte zuerst die <a href=\"/firms/" +
                    UrlEncode(firm.id) + "/settings\">Einstellungen</a> speichern.</div>",
                409);
}

// What Preview and Confirm start from: the firm, its current settings and the
// form as sent.
struct SendStep {
  FirmInfo firm;
  FirmPolicy policy;
  std::string base;  // the firm's URL
  ManualSendRequest request;
  SmsPrice price;
};

// Reads the step's start into `step`; a response when the firm has no settings
// or the form has errors (shown at their fields).
std::optional<WebResponse> BeginStep(PortalContext& portal, const WebRequest& req, SendStep& step) {
  step.firm = portal.Firms().Get(req.Firm());
  std::optional<FirmPolicy> policy = CurrentPolicy(portal.db, step.firm.id);
  if (!policy) return NoSettings(req, step.firm);
  step.policy = std::move(*policy);
  step.base = "/firms/" + UrlEncode(step.firm.id);
  FieldErrors errors;
  step.request = ReadForm(req, errors);
  if (!errors.empty())
    return Render(req, step.firm.name, Form(req, step.base, step.request.send_id, errors), 422);
  step.price = SmsPrice{portal.price_per_segment, portal.currency};
  return std::nullopt;
}

// The form again, with the template's error at the text.
WebResponse FormWithTemplateError(const WebRequest& req, const SendStep& step,
                                  const std::string& error) {
  FieldErrors errors;
  errors["text"] = "Der Text ist keine gültige Vorlage: " + error;
  return Render(req, step.firm.name, Form(req, step.base, step.request.send_id, errors), 422);
}

}  // namespace

WebResponse ManualSendForm(PortalContext& portal, const WebRequest& req) {
  const FirmInfo firm = portal.Firms().Get(req.Firm());
  if (!CurrentPolicy(portal.db, firm.id)) return NoSettings(req, firm);
  WebRequest defaults = req;
  defaults.params = {{"termine", "1"}};
  // A new send id for each form: confirming it twice sends once, while the
  // same text sent again later (a new form) is a new send.
  return Render(req, firm.name,
                "<p>Eine SMS an eine gefilterte Liste von Kunden oder an eingegebene Nummern, "
                "durch denselben Versand wie die Erinnerungen. Vor dem Senden zeigt die Vorschau "
                "jeden Empfänger mit Text, SMS-Teilen und Kosten.</p>" +
                    Form(defaults, "/firms/" + UrlEncode(firm.id), "m" + RandomHex(12), {}));
}

WebResponse ManualSendPreview(PortalContext& portal, const WebRequest& req) {
  SendStep step;
  if (std::optional<WebResponse> stop = BeginStep(portal, req, step)) return *stop;
  const FirmInfo& firm = step.firm;
  const std::string& base = step.base;
  const SmsPrice& price = step.price;
  ManualSendPlan plan =
      ManualSendService(portal.db).Prepare(step.policy, step.request, price, portal.clock.Now());
  if (!plan.error.empty()) return FormWithTemplateError(req, step, plan.error);
  // The preview first (totals and the button in view), the form to change it below.
  return Render(req, firm.name,
                "<h2 class=\"h5\" id=\"vorschau\">Vorschau</h2>" + Totals(plan, price) +
                    ConfirmForm(req, base, plan, price) + RecipientTable(plan, price) +
                    SkipTable(plan) + "<h2 class=\"h5 mt-4\">Empfänger oder Text ändern</h2>" +
                    Form(req, base, step.request.send_id, {}));
}

WebResponse ManualSendConfirm(PortalContext& portal, const WebRequest& req) {
  SendStep step;
  if (std::optional<WebResponse> stop = BeginStep(portal, req, step)) return *stop;
  const FirmInfo& firm = step.firm;
  const std::string& base = step.base;
  const SmsPrice& price = step.price;
  ManualSendResult result = ManualSendService(portal.db).Confirm(
      step.policy, step.request, price, req.user->name, portal.clock.Now());
  if (!result.plan.error.empty()) return FormWithTemplateError(req, step, result.plan.error);
  std::string outcome;
  if (result.already_confirmed) {
    outcome =
        "<div class=\"alert alert-info\" role=\"status\" id=\"ergebnis\">Dieser Versand "
        "wurde bereits bestätigt; es wurde nichts noch einmal gesendet.</div>";
  } else {
    const ManualSendPlan& p = result.plan;
    portal.accounts.Audit(req.user->name, firm.id, "manual send", "",
                          "send " + p.send_id + ": " + std::to_string(result.enqueued) + " SMS, " +
                              std::to_string(p.segments) + " parts, " +
                              FormatPrice(p.cost, price.currency));
    outcome =
        "<div class=\"alert alert-success\" role=\"status\" id=\"ergebnis\">" +
        std::to_string(result.enqueued) + " SMS wurden in den Versand gestellt (" +
        std::to_string(p.segments) + " SMS-Teile, " + Escape(FormatPrice(p.cost, price.currency)) +
        "). Sie stehen im SMS-Protokoll, erst als „geplant“, dann mit ihrem Zustellstatus.</div>";
  }
  return Render(req, firm.name,
                outcome + "<a class=\"btn btn-outline-primary me-2\" href=\"" + base +
                    "/protocol\" id=\"zum-protokoll\">Zum SMS-Protokoll</a><a class=\"btn "
                    "btn-outline-secondary\" href=\"" +
                    base + "/send\">Neue SMS</a>");
}

}  // namespace kehrbote
