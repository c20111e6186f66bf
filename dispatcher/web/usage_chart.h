// The firm page's usage section (pure): an inline SVG bar chart of SMS parts
// sent per month (no script: the CSP allows none inline) with a text alternative,
// and the same numbers as a table with costs in euro ("1,35 €").
#pragma once

#include <string>
#include <vector>

#include "dispatcher/report/usage_report.h"

namespace kehrbote {

// `labels[i]` names the month of `usage[i]` ("11/26").
std::string UsageChart(const std::vector<FirmUsage>& usage, const std::vector<std::string>& labels);
std::string UsageTable(const std::vector<FirmUsage>& usage, const std::vector<std::string>& labels);

}  // namespace kehrbote
