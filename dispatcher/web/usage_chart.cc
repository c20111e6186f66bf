#include "dispatcher/web/usage_chart.h"

#include <algorithm>

#include "dispatcher/web/german_format.h"
#include "dispatcher/web/html.h"

namespace kehrbote {

std::string UsageChart(const std::vector<FirmUsage>& usage, const std::vector<std::string>& labels) {
  constexpr int kWidth = 600, kHeight = 160, kBase = 140;
  int64_t most = 1;
  for (const auto& u : usage) most = std::max(most, u.segments);
  int slot = kWidth / static_cast<int>(std::max<std::size_t>(usage.size(), 1));
  std::string svg = "<svg class=\"verbrauch\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(kHeight) + "\" role=\"img\" aria-label=\"SMS-Teile pro Monat\">";
  for (std::size_t i = 0; i < usage.size(); ++i) {
    int h = static_cast<int>(usage[i].segments * (kBase - 10) / most);
    int x = static_cast<int>(i) * slot;
    svg += "<rect x=\"" + std::to_string(x + 4) + "\" y=\"" + std::to_string(kBase - h) +
           "\" width=\"" + std::to_string(slot - 8) + "\" height=\"" + std::to_string(h) +
           "\" fill=\"#0d6efd\"><title>" + Escape(labels[i]) + ": " +
           std::to_string(usage[i].segments) + " SMS-Teile</title></rect>";
    svg += "<text x=\"" + std::to_string(x + slot / 2) + "\" y=\"155\" font-size=\"11\" "
           "text-anchor=\"middle\">" + Escape(labels[i]) + "</text>";
  }
  return svg + "</svg>";
}

std::string UsageTable(const std::vector<FirmUsage>& usage, const std::vector<std::string>& labels) {
  std::string out = "<div class=\"table-responsive\"><table class=\"table table-sm\" id=\"verbrauch-tabelle\">"
                    "<thead><tr><th scope=\"col\">Monat</th><th scope=\"col\">SMS</th>"
                    "<th scope=\"col\">Teile</th><th scope=\"col\">zugestellt</th>"
                    "<th scope=\"col\">fehlgeschlagen</th><th scope=\"col\">E-Mails</th>"
                    "<th scope=\"col\">Kosten</th></tr></thead><tbody>";
  for (std::size_t i = usage.size(); i-- > 0;) {
    const FirmUsage& u = usage[i];
    out += "<tr><td>" + Escape(labels[i]) + "</td><td>" + std::to_string(u.sms_sent) +
           "</td><td>" + std::to_string(u.segments) + "</td><td>" + std::to_string(u.delivered) +
           "</td><td>" + std::to_string(u.failed) + "</td><td>" + std::to_string(u.emails) +
           "</td><td>" + FormatEuro(u.cost) + "</td></tr>";
  }
  return out + "</tbody></table></div>";
}

}  // namespace kehrbote
