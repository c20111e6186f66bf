// The dispatcher's commands that need the config and the store:
//   once [--now RFC3339]      one full pass as of that instant, then exit
//   plan --firm ID [--json]   every planned and skipped message of a firm, with reasons
//   run                       the real-time service loop (service_loop.h)
// Each returns the process exit status (0 ok, 1 failure, 2 usage error).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kehrbote {

// `args` are the words after the command; `config_path` is --config.
int RunOnceCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);
int RunPlanCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);
int RunServiceCommand(const std::string& config_path, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err);

}  // namespace kehrbote
