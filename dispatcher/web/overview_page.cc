#include "dispatcher/web/overview_page.h"

#include <algorithm>

#include "dispatcher/web/firm_status.h"
#include "dispatcher/web/german_format.h"
#include "dispatcher/web/html.h"

namespace kehrbote {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return lower(text).find(lower(part)) != std::string::npos;
}

void Sort(std::vector<FirmStatus>& rows, const std::string& by) {
  auto key_light = [](const FirmStatus& s) { return -static_cast<int>(s.light); };
  std::stable_sort(rows.begin(), rows.end(), [&](const FirmStatus& a, const FirmStatus& b) {
    if (by == "firm") return a.firm.id < b.firm.id;
    if (by == "failed") return a.failed_24h > b.failed_24h;
    if (by == "export") {
      return a.last_export.value_or(Instant{}) < b.last_export.value_or(Instant{});
    }
    return key_light(a) < key_light(b);
  });
}

std::string Filters(const WebRequest& req) {
  std::string light = req.Param("light"), sort = req.Param("sort");
  auto option = [](const std::string& value, const std::string& label, const std::string& current) {
    return "<option value=\"" + value + "\"" + (value == current ? " selected" : "") + ">" + label +
           "</option>";
  };
  return "<form class=\"row g-2 mb-3\" method=\"get\" action=\"/overview\" role=\"search\">"
         "<div class=\"col-12 col-md-4\"><label class=\"form-label\" for=\"q\">Betrieb</label>"
         "<input class=\"form-control\" id=\"q\" name=\"q\" value=\"" + Escape(req.Param("q")) +
         "\"></div><div class=\"col-6 col-md-3\"><label class=\"form-label\" for=\"light\">Ampel"
         "</label><select class=\"form-select\" id=\"light\" name=\"light\">" +
         option("", "alle", light) + option("rot", "rot", light) + option("gelb", "gelb", light) +
         option("grün", "grün", light) +
         "</select></div><div class=\"col-6 col-md-3\"><label class=\"form-label\" for=\"sort\">"
         "Sortierung</label><select class=\"form-select\" id=\"sort\" name=\"sort\">" +
         option("light", "Ampel", sort) + option("firm", "Betrieb", sort) +
         option("export", "ältester Export", sort) + option("failed", "Fehler (24 h)", sort) +
         "</select></div><div class=\"col-12 col-md-2 d-flex align-items-end\">"
         "<button class=\"btn btn-primary w-100\" type=\"submit\">Anzeigen</button></div></form>";
}

std::string Row(const FirmStatus& s, Instant now) {
  std::string light = ToGerman(s.light);
  std::string exported =
      s.last_export ? FormatAge(std::chrono::duration_cast<std::chrono::seconds>(now - *s.last_export))
                    : "nie";
  std::string quota = std::to_string(s.sms_this_month);
  if (s.firm.quota_sms_per_month > 0) quota += " / " + std::to_string(s.firm.quota_sms_per_month);
  std::string out = "<tr class=\"ampel-" + light + "\" data-firm=\"" + Escape(s.firm.id) + "\">";
  out += "<td><span class=\"ampel ampel-" + light + "\" role=\"img\" aria-label=\"Ampel " + light +
         "\"></span> <span class=\"visually-hidden-focusable\">" + light + "</span></td>";
  out += "<td><a href=\"/firms/" + UrlEncode(s.firm.id) + "\">" + Escape(s.firm.name) +
         "</a><div class=\"small text-body-secondary\">" + Escape(s.firm.id) + "</div></td>";
  out += "<td>" + Escape(s.reason) + "</td>";
  out += "<td>" + exported + "</td>";
  out += "<td>" + std::to_string(s.heartbeat_planned) + " / " + std::to_string(s.heartbeat_sent) +
         " / " + std::to_string(s.heartbeat_delivered) + " / " +
         std::to_string(s.heartbeat_failed) + "</td>";
  out += "<td>" + std::to_string(s.failed_24h) + "</td><td>" + std::to_string(s.held) +
         "</td><td>" + quota + "</td><td>" + std::to_string(s.open_alarms) + "</td></tr>";
  return out;
}

}  // namespace

WebResponse OverviewPage(PortalContext& portal, const WebRequest& req) {
  Instant now = portal.clock.Now();
  std::vector<FirmStatus> rows = QueryFirmStatus(portal.db, portal.Firms(), now, portal.operator_zone);
  std::string q = req.Param("q"), light = req.Param("light");
  std::erase_if(rows, [&](const FirmStatus& s) {
    return (!q.empty() && !Contains(s.firm.id, q) && !Contains(s.firm.name, q)) ||
           (!light.empty() && ToGerman(s.light) != light);
  });
  Sort(rows, req.Param("sort"));
  std::string body = Filters(req);
  body.reserve(rows.size() * 700);
  body += "<p class=\"small\">" + std::to_string(rows.size()) + " Betriebe</p>"
          "<div class=\"table-responsive\"><table class=\"table table-sm table-hover\" id=\"betriebe\">"
          "<thead><tr><th scope=\"col\">Ampel</th><th scope=\"col\">Betrieb</th>"
          "<th scope=\"col\">Grund</th><th scope=\"col\">Letzter Export</th>"
          "<th scope=\"col\">Heartbeat heute<br><span class=\"small\">geplant / gesendet / "
          "zugestellt / fehlgeschl.</span></th><th scope=\"col\">Fehler 24 h</th>"
          "<th scope=\"col\">Angehalten</th><th scope=\"col\">SMS Monat / Kontingent</th>"
          "<th scope=\"col\">Alarme</th></tr></thead><tbody>";
  for (const FirmStatus& s : rows) body += Row(s, now);
  body += "</tbody></table></div>";
  WebResponse r;
  r.body = Page(req, "Übersicht aller Betriebe", body);
  return r;
}

}  // namespace kehrbote
