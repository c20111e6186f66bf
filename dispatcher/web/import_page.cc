#include "dispatcher/web/import_page.h"

#include <sstream>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/web/html.h"
#include "dispatcher/web/password_hash.h"

namespace kehrbote {
namespace {

std::string Describe(const IngestResult& r) {
  switch (r.outcome) {
    case IngestOutcome::kApplied:
      return "<div class=\"alert alert-success\" role=\"status\" id=\"ergebnis\">Übernommen: " +
             std::to_string(r.appointments) + " Termine (" + std::to_string(r.added) + " neu, " +
             std::to_string(r.changed) + " geändert, " + std::to_string(r.cancelled + r.gone) +
             " storniert).</div>";
    case IngestOutcome::kDuplicate:
      return "<div class=\"alert alert-info\" role=\"status\" id=\"ergebnis\">Diese Datei wurde "
             "bereits verarbeitet: " + Escape(r.reason) + "</div>";
    case IngestOutcome::kIgnored:
      return "<div class=\"alert alert-warning\" role=\"status\" id=\"ergebnis\">Nicht übernommen, "
             "ein neuerer Export liegt schon vor: " + Escape(r.reason) + "</div>";
    case IngestOutcome::kRejected:
      break;
  }
  return "<div class=\"alert alert-danger\" role=\"alert\" id=\"ergebnis\">Abgelehnt, nichts "
         "wurde übernommen: " + Escape(r.reason) + "</div>";
}

}  // namespace

WebResponse ImportForm(PortalContext& portal, const WebRequest& req, const std::string& result) {
  const FirmInfo firm = portal.Firms().Get(req.Firm());
  std::string body = result +
      "<p>Eine Exportdatei (JSON, Format v1) des Büroprogramms hochladen. Sie wird genau wie eine "
      "Datei aus dem SFTP-Eingang geprüft und bei einem Fehler ganz abgelehnt.</p>"
      "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/firms/" +
      UrlEncode(firm.id) + "/import\">" + CsrfField(req) +
      "<div class=\"mb-3\"><label class=\"form-label\" for=\"file\">Exportdatei</label>"
      "<input class=\"form-control\" type=\"file\" id=\"file\" name=\"file\" accept=\".json\" "
      "required></div><button class=\"btn btn-primary\" type=\"submit\" id=\"hochladen\">"
      "Hochladen</button></form>";
  WebResponse r;
  r.body = Page(req, "Export hochladen – " + firm.name, body);
  return r;
}

WebResponse ImportSubmit(PortalContext& portal, const WebRequest& req) {
  if (req.upload.empty()) {
    IngestResult none;
    none.reason = "keine Datei gewählt";
    return ImportForm(portal, req, Describe(none));
  }
  ExportFileInfo file;
  file.name = req.upload_name.empty() ? "upload.json" : req.upload_name;
  file.sha256 = Sha256Hex(req.upload);
  std::istringstream in(req.upload);
  SnapshotIngest ingest(portal.db, portal.clock);
  IngestResult result = ingest.ApplyStream(req.Firm(), file, in);
  portal.accounts.Audit(req.user->name, req.Firm(), "import", file.name,
                        std::string(ToString(result.outcome)));
  WebResponse r = ImportForm(portal, req, Describe(result));
  if (result.outcome == IngestOutcome::kRejected) r.status = 422;
  return r;
}

}  // namespace kehrbote
