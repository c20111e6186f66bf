#include "dispatcher/web/firm_page.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "dispatcher/message/message_sql.h"
#include "dispatcher/message/message_value_error.h"
#include "dispatcher/report/unreachable_report.h"
#include "dispatcher/report/usage_report.h"
#include "dispatcher/web/firm_status.h"
#include "dispatcher/web/german_format.h"
#include "dispatcher/web/html.h"
#include "dispatcher/web/usage_chart.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

using namespace std::chrono_literals;

namespace {

std::string ChannelName(const std::string& channel) {
  return channel == ToString(ContactChannel::kSms)     ? "SMS"
         : channel == ToString(ContactChannel::kEmail) ? "E-Mail"
                                                       : Escape(channel);
}

// The German label of a stored state (HTML). A state this build does not know
// (a newer dispatcher wrote it) is shown as stored rather than failing the page.
std::string StateName(const std::string& stored) {
  MessageState state;
  try {
    state = ParseMessageState(stored);
  } catch (const MessageValueError&) {
    return Escape(stored);
  }
  switch (state) {
    case MessageState::kPlanned:
      return "geplant";
    case MessageState::kSending:
      return "wird gesendet";
    case MessageState::kAccepted:
      return "gesendet";
    case MessageState::kHeld:
      return "angehalten";
    case MessageState::kDelivered:
      return "zugestellt";
    case MessageState::kFailed:
      return "fehlgeschlagen";
    case MessageState::kExpired:
      return "abgelaufen";
    case MessageState::kCancelled:
      return "storniert";
  }
  return Escape(stored);
}

std::string ReasonName(const std::string& reason) {
  static const std::map<std::string, std::string> names = {
      {"started", "Termin hatte schon begonnen"},
      {"no_contact", "keine Telefonnummer oder E-Mail"},
      {"all_contacts_skipped", "alle Kontakte übersprungen"},
      {"no_reminder", "keine Erinnerung möglich"}};
  auto it = names.find(reason);
  return it == names.end() ? reason : it->second;
}

// Messages of the firm (not heartbeats) by `where`, with due/sent time.
std::string MessageTable(PortalContext& portal, const FirmInfo& firm, const std::string& where,
                         int64_t a, int64_t b, const std::string& id) {
  PooledConnection c = portal.db.Connect();
  SqlStatement q(*c,
                 "SELECT appointment_id, channel, recipient, state, due_at, sent_at, rule_id "
                 "FROM messages WHERE firm_id = ? AND purpose <> " +
                     SqlLiteral(MessagePurpose::kHeartbeat) + " AND " + where);
  q.BindAll(firm.id, a, b);
  std::string out = "<div class=\"table-responsive\"><table class=\"table table-sm\" id=\"" + id +
                    "\"><thead><tr><th scope=\"col\">Sendezeit</th><th scope=\"col\">Kanal</th>"
                    "<th scope=\"col\">Empfänger</th><th scope=\"col\">Termin</th>"
                    "<th scope=\"col\">Status</th></tr></thead><tbody>";
  bool any = false;
  while (q.Step()) {
    any = true;
    int64_t when = q.IsNull(5) ? q.Int(4) : q.Int(5);
    out += "<tr><td>" +
           FormatDateTime(Instant(std::chrono::seconds(when)), firm.zone, firm.country) +
           "</td><td>" + ChannelName(q.Text(1)) + "</td><td>" + Escape(q.Text(2)) + "</td><td>" +
           Escape(q.Text(0)) + "</td><td>" + StateName(q.Text(3)) + "</td></tr>";
  }
  if (!any) out += "<tr><td colspan=\"5\">Keine.</td></tr>";
  return out + "</tbody></table></div>";
}

std::string UnreachableTable(PortalContext& portal, const FirmInfo& firm) {
  std::vector<UnreachableAppointment> rows = QueryUnreachable(portal.db, firm.id, firm.zone);
  std::string out = "<div class=\"table-responsive\"><table class=\"table table-sm\" "
                    "id=\"unerreichbar\"><thead><tr><th scope=\"col\">Termin</th>"
                    "<th scope=\"col\">Objekt</th><th scope=\"col\">Kunde</th>"
                    "<th scope=\"col\">Grund</th><th scope=\"col\">Details</th></tr></thead><tbody>";
  for (const auto& u : rows) {
    out += "<tr><td>" + FormatDateTime(u.start, firm.zone, firm.country) + "</td><td>" +
           Escape(u.object) + "</td><td>" + Escape(u.customer) + "</td><td>" +
           Escape(ReasonName(u.reason)) + "</td><td>" + Escape(u.detail) + "</td></tr>";
  }
  if (rows.empty()) out += "<tr><td colspan=\"5\">Alle Kunden werden erinnert.</td></tr>";
  return out + "</tbody></table></div>";
}

std::vector<FirmUsage> LastTwelveMonths(PortalContext& portal, const FirmInfo& firm,
                                        std::vector<std::string>& labels) {
  LocalTime local = ToLocal(portal.clock.Now(), firm.zone);
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(local)};
  std::chrono::year_month ym = ymd.year() / ymd.month();
  std::vector<FirmUsage> out;
  for (int i = 11; i >= 0; --i) {
    std::chrono::year_month m = ym - std::chrono::months(i);
    UsageQuery q;
    q.year = static_cast<int>(m.year());
    q.month = static_cast<int>(static_cast<unsigned>(m.month()));
    q.firm = firm.id;
    q.price_per_segment = portal.price_per_segment;
    q.zone = [&firm](const std::string&) { return firm.zone; };
    std::vector<FirmUsage> rows = QueryUsage(portal.db, q);
    out.push_back(rows.empty() ? FirmUsage{firm.id} : rows.front());
    char label[8];
    std::snprintf(label, sizeof label, "%02d/%02d", q.month, q.year % 100);
    labels.push_back(label);
  }
  return out;
}

// The links to the page's sections and the firm's other pages.
std::string FirmNav(const std::string& base) {
  const std::pair<std::string, const char*> links[] = {{"#plan", "Geplant"},
                                                       {"#unerreichbar-h", "Nicht erreichbar"},
                                                       {"#letzte-h", "Letzte Nachrichten"},
                                                       {base + "/protocol", "SMS-Protokoll"},
                                                       {"#verbrauch", "Verbrauch"},
                                                       {base + "/import", "Export hochladen"},
                                                       {base + "/send", "SMS senden"},
                                                       {base + "/settings", "Einstellungen"}};
  std::string out = "<ul class=\"nav nav-pills mb-3\">";
  for (const auto& [href, label] : links)
    out +=
        "<li class=\"nav-item\"><a class=\"nav-link\" href=\"" + href + "\">" + label + "</a></li>";
  return out + "</ul>";
}

}  // namespace

WebResponse FirmPage(PortalContext& portal, const WebRequest& req) {
  const FirmInfo firm = portal.Firms().Get(req.Firm());
  Instant now = portal.clock.Now();
  int64_t t = now.time_since_epoch().count();
  std::string base = "/firms/" + UrlEncode(firm.id);
  std::string body = FirmNav(base);
  body += "<h2 class=\"h5\" id=\"plan\">Erinnerungen der nächsten 14 Tage</h2>";
  body += MessageTable(portal, firm,
                       "state IN " + SqlList({MessageState::kPlanned, MessageState::kHeld}) +
                           " AND due_at >= ? AND due_at < ? ORDER BY due_at LIMIT 500",
                       t - 3600, t + 14 * 86400, "geplant");
  body += "<h2 class=\"h5\" id=\"unerreichbar-h\">Kunden ohne Erinnerung</h2>"
          "<p class=\"small\">Bitte die Daten im Büroprogramm ergänzen (Handynummer, Zustimmung).</p>";
  body += UnreachableTable(portal, firm);
  body += "<h2 class=\"h5\" id=\"letzte-h\">Letzte Nachrichten</h2>";
  body += MessageTable(
      portal, firm,
      "state NOT IN " +
          SqlList({MessageState::kPlanned, MessageState::kHeld, MessageState::kCancelled}) +
          " AND due_at >= ? AND due_at <= ? ORDER BY due_at DESC LIMIT 30",
      0, t, "letzte");
  std::vector<std::string> labels;
  std::vector<FirmUsage> usage = LastTwelveMonths(portal, firm, labels);
  body += "<h2 class=\"h5\" id=\"verbrauch\">Verbrauch und Kosten</h2>" +
          UsageChart(usage, labels) + UsageTable(usage, labels) + "<a class=\"btn btn-outline-primary btn-sm\" href=\"" +
          base + "/usage.csv\" download>CSV herunterladen</a>";
  WebResponse r;
  r.body = Page(req, firm.name, body);
  return r;
}

WebResponse ProtocolPage(PortalContext& portal, const WebRequest& req) {
  const FirmInfo firm = portal.Firms().Get(req.Firm());
  std::string q = req.Param("q");
  std::vector<ProtocolEntry> rows = QueryProtocol(portal.db, firm.id, std::nullopt);
  std::string body =
      "<form class=\"row g-2 mb-3\" method=\"get\" role=\"search\"><div class=\"col-12 col-md-6\">"
      "<label class=\"form-label\" for=\"q\">Kunde, Nummer oder Adresse</label>"
      "<input class=\"form-control\" id=\"q\" name=\"q\" value=\"" + Escape(q) + "\"></div>"
      "<div class=\"col-12 col-md-2 d-flex align-items-end\"><button class=\"btn btn-primary w-100\" "
      "type=\"submit\">Suchen</button></div></form>"
      "<div class=\"table-responsive\"><table class=\"table table-sm\" id=\"protokoll\"><thead><tr>"
      "<th scope=\"col\">Zeit</th><th scope=\"col\">Kanal</th><th scope=\"col\">Empfänger</th>"
      "<th scope=\"col\">Text</th><th scope=\"col\">Teile</th><th scope=\"col\">Status</th>"
      "</tr></thead><tbody>";
  int shown = 0;
  for (auto it = rows.rbegin(); it != rows.rend() && shown < 500; ++it) {
    if (!q.empty() && it->recipient.find(q) == std::string::npos &&
        it->text.find(q) == std::string::npos)
      continue;
    ++shown;
    body += "<tr><td>" + FormatDateTime(it->time, firm.zone, firm.country) + "</td><td>" +
            ChannelName(it->channel) + "</td><td>" + Escape(it->recipient) + "</td><td>" +
            Escape(it->text) + "</td><td>" + std::to_string(it->segments) + "</td><td>" +
            StateName(it->state) + "</td></tr>";
  }
  if (shown == 0) body += "<tr><td colspan=\"6\">Keine Nachrichten.</td></tr>";
  body += "</tbody></table></div>";
  WebResponse r;
  r.body = Page(req, "SMS-Protokoll – " + firm.name, body);
  return r;
}

WebResponse UsageCsv(PortalContext& portal, const WebRequest& req) {
  const FirmInfo firm = portal.Firms().Get(req.Firm());
  std::vector<std::string> labels;
  std::vector<FirmUsage> usage = LastTwelveMonths(portal, firm, labels);
  std::ostringstream csv;
  csv << "month,sms_sent,segments,delivered,delivered_segments,failed,emails,cost\n";
  for (std::size_t i = 0; i < usage.size(); ++i) {
    const FirmUsage& u = usage[i];
    csv << labels[i] << "," << u.sms_sent << "," << u.segments << "," << u.delivered << ","
        << u.delivered_segments << "," << u.failed << "," << u.emails << "," << u.cost << "\n";
  }
  WebResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"verbrauch-" + firm.id + ".csv\"");
  r.body = csv.str();
  return r;
}

WebResponse FirmStatusJson(PortalContext& portal, const WebRequest& req) {
  FirmDirectory one;
  one.Add(portal.Firms().Get(req.Firm()));
  Instant now = portal.clock.Now();
  FirmStatus s = QueryFirmStatus(portal.db, one, now, portal.operator_zone).front();
  Poco::JSON::Object o;
  o.set("firm", s.firm.id);
  o.set("light", ToGerman(s.light));
  o.set("reason", s.reason);
  o.set("last_export", s.last_export ? FormatRfc3339Utc(*s.last_export) : "");
  o.set("failed_24h", s.failed_24h);
  o.set("held", s.held);
  o.set("sms_this_month", s.sms_this_month);
  o.set("open_alarms", s.open_alarms);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out);
  WebResponse r;
  r.content_type = "application/json";
  r.body = out.str();
  return r;
}

}  // namespace kehrbote
