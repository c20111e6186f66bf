// `kehrbote-dispatcher sms-info [--unicode] TEXT`: prints one JSON object
// {"encoding": "gsm7"|"ucs2", "segments": N, "units": N, "text": "..."}.
// Without --unicode the result is always gsm7 (the text is transliterated).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kehrbote {

// Returns the process exit status (0 ok, 2 usage error).
int RunSmsInfoCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace kehrbote
