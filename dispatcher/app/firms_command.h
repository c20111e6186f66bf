// `kehrbote-dispatcher --config FILE firms SUBCOMMAND`: the firms' settings in
// the store (dispatcher/settings), with firm YAML files as import and export.
//   firms import DIR     every *.yaml/*.yml of DIR, each validated like a firm
//                        file (errors with file:line:col and key; a bad file is
//                        not imported, the others are); an unchanged text
//                        writes no version. Exit 1 if any file was refused.
//   firms export DIR     the current version of every firm as DIR/<id>.yaml
//                        (the stored text as saved: import gives it back unchanged)
//   firms list           firm, current version, when, source, who
//   firms history ID     every version of a firm
//   firms show ID [--version N]   the text of a version (default: current)
//   firms remove ID      takes a firm out of service (a new, removed version;
//                        a later save or import brings it back)
//   firms preview ID [FILE]   the Settings page's template preview (JSON,
//                        dispatcher/preview/settings_preview.h) of FILE or of
//                        the firm's current version
// Returns the process exit status (0 ok, 1 failure, 2 usage error).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "shared/time/clock.h"

namespace kehrbote {

int RunFirmsCommand(const std::string& config_path, const std::vector<std::string>& args,
                    const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace kehrbote
