// `kehrbote-dispatcher --config FILE send --firm ID ...`: a manual SMS to the
// firm's customers (dispatcher/manual_send), as the portal's Manual send page
// does it. Without --confirm it only shows the plan: each recipient (masked)
// with text and segments, the contacts left out and why, the totals and the
// send id. With --confirm it enqueues the messages into the outbox; the next
// pass of `run` (or `once`) sends them. Confirming the same send id again
// enqueues nothing.
//
//   recipients: --from YYYY-MM-DD --to YYYY-MM-DD --kind main_sweep|sweep|
//               inspection|special --place PLZ-OR-ORT --main-sweep-only --all
//               (any of these: the firm's appointments that match; --all: every
//               upcoming one), --number NUMBER (repeatable; pasted numbers),
//               --include-without-consent
//   text:       --text TEXT (with <<Platzhalter>>)
//   --id ID     the send id (default: derived from the request)
//   --json      the plan as the portal gets it (manual_send.h ToJson)
// Returns the process exit status (0 ok, 1 failure, 2 usage error).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "shared/time/clock.h"

namespace kehrbote {

int RunSendCommand(const std::string& config_path, const std::vector<std::string>& args,
                   const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace kehrbote
