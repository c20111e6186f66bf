// The `store` command of kehrbote-dispatcher:
//   store copy --from sqlite:/path/dispatcher.db --to postgresql:... [--migrate-source]
//                             [--batch ROWS]
// copies a SQLite store into an empty PostgreSQL store (store_copy.h) and
// prints one line per table (rows, seconds) and a summary; no --config needed.
// Returns the process exit status (0 copied, 1 failed: nothing of the copy
// committed, 2 usage error).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kehrbote {

// `args` are the words after "store".
int RunStoreCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace kehrbote
