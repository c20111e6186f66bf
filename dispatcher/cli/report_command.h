// `kehrbote-dispatcher --config FILE report usage --month YYYY-MM [--firm ID]
//      [--format table|csv|json]`
// `kehrbote-dispatcher --config FILE report protocol --firm ID [--to NUMBER-OR-ADDRESS]
//      [--format table|csv|json]`
// `kehrbote-dispatcher --config FILE report unreachable --firm ID [--format table|csv|json]`
// See dispatcher/report/usage_report.h for what is counted and
// dispatcher/report/unreachable_report.h for which appointments are unreachable. Exit 0, 2 on bad
// arguments, 1 on config/store errors.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kehrbote {

int RunReportCommand(const std::string& config_path, const std::vector<std::string>& args,
                     std::ostream& out, std::ostream& err);

}  // namespace kehrbote
