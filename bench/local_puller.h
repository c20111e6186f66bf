// LocalPuller: the benchmarks' stand-in for InboxPoller, over export files that
// are already local (no SFTP transfer).
//
// A file once applied (or known) counts as moved out of the inbox: a later pull
// skips that firm without a query, as InboxPoller does with an empty inbox.
// For any other firm, as InboxPoller does after the download: claim the firm
// (Database::TryClaimFirm; a firm another instance holds is skipped and
// reported done), the duplicate check, SHA-256, the header read,
// SnapshotIngest::Prepare on another thread (schema validation; with the
// firm's KnownDigests, so unchanged appointments are stepped over), then
// ApplyPrepared (diff, store writes) in groups of InboxPoller::kFirmsPerCommit
// firms (or kBytesPerCommit bytes) sharing one commit, a group applied after the
// next one is fetched. Once a group has committed, its firms' claims end
// and then they are reported done (so this instance's planner can claim them).
#pragma once

#include <string>
#include <vector>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/database.h"

namespace kehrbote::bench {

struct PullFigures {
  double wall = 0, cpu = 0;  // of the last pull (CPU: the whole process's meanwhile)
  int skipped = 0;           // firms another instance held
};

// `files[f]` is the export of config.firms[f]. Everything passed must outlive
// the puller; `figures` is written at the end of each pull.
DispatcherApp::Puller LocalPuller(Database& db, SnapshotIngest& ingest,
                                  const DispatcherConfig& config,
                                  const std::vector<std::string>& files, PullFigures& figures);

}  // namespace kehrbote::bench
