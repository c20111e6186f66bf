// InboxPoller: pulls the firms' exports from their SFTP inboxes into the store.
//
// One PollOnce() is one pass over a list of firms that share one SFTP endpoint:
// a few sessions (connections) for the whole pass, not one per firm:
// kFetchConnections download side by side (a pull mostly waits for round trips),
// one more moves the applied files. Per firm:
//   1. list the inbox; take only final "*.json" files (never "*.part", which an
//      agent is still uploading, and no hidden files);
//   2. download each to a private local work dir (0600 files in a 0700 dir, see
//      InboxPollerOptions::work_dir) and
//      hash it (SHA-256); a file processed before, by name or by content, is not
//      applied again (one whose name is known is not even downloaded);
//   3. apply the firm's files in generated_at order (the header is read first;
//      files whose header cannot be read come last, in file name order) with
//      SnapshotIngest: each file once, refused whole on any error. The files are
//      read and validated (SnapshotIngest::Prepare, stepping over the
//      appointments the store has unchanged) on other threads while the next
//      firms are downloaded. Firms are applied in firm order, in groups
//      that share one commit (CommitGroup; up to kFirmsPerCommit firms or
//      kBytesPerCommit downloaded bytes), each group once all its firms are
//      downloaded and read, so the store's writer is never held during a
//      download; the downloads run at most kFetchAhead firms ahead;
//   4. once the group has committed, move each file to <inbox>/processed/ (or
//      delete it, as configured); a refused file goes to <inbox>/rejected/ with
//      "<name>.error" beside it (the reason, one line), and is recorded on the firm
//      so its next heartbeat reports it.
// A firm another dispatcher instance works on (Database::TryClaimFirm fails) is
// skipped: reported done with no files; its files are that instance's. An
// empty inbox is not claimed (an idle pass costs the listings and no store
// query); an inbox with an export is claimed, listed again under the claim, and
// the claim is held until the firm's files are moved.
// A file whose download or move fails stays in the inbox and is retried next pass
// (it is then recognised as processed and only moved). If a group's commit
// fails, none of its files is moved: all are applied again next pass. Errors of one firm (missing
// inbox, connection lost) are reported in its result and do not stop the others;
// the session is re-established for the next firm after a failure. If connecting
// fails, the rest of the pass is skipped (every firm reports that error) rather
// than waiting for the connect timeout once per firm.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/database.h"
#include "shared/env/env.h"
#include "shared/sftp/sftp_endpoint.h"
#include "shared/time/clock.h"

namespace kehrbote {

class SftpSession;

enum class ProcessedAction { kMove, kDelete };

struct InboxPollerOptions {
  ProcessedAction processed = ProcessedAction::kMove;
  // Local directory for downloads; required. The dispatcher passes "ingest" in its
  // data directory, next to the store. It is created private, kept across runs and
  // emptied when the poller starts (what a killed run left behind); each download
  // is removed after use. The poller holds <work_dir>/LOCK while it lives; if
  // another poller (in this or another process) holds it, it takes the first free
  // one of <work_dir>-2 ... -8 instead, so pollers never share a folder.
  std::string work_dir;
};

struct FirmInbox {
  std::string firm_id;
  std::string remote_dir;  // the firm's inbox on the SFTP server
};

struct FirmPollResult {
  std::string firm_id;
  std::vector<IngestResult> files;        // in the order they were applied
  std::vector<std::string> changed_ids;   // union over the files, sorted, unique
  std::vector<std::string> errors;        // SFTP/store problems; files stay for the next pass
};

struct PollPassResult {
  std::vector<FirmPollResult> firms;  // in the order given
  std::string connection_error;       // non-empty: a connect failed; later firms were skipped
  double ingest_seconds = 0;          // applying and committing the exports (for /metrics)
};

class InboxPoller {
 public:
  // Called once per firm of the pass when it is done with it (its files applied
  // and moved, or its errors recorded), with exactly the ids planning must
  // (re)plan (often none).
  using FirmDoneCallback =
      std::function<void(const std::string& firm_id, const std::vector<std::string>& changed_ids)>;

  // Takes and empties the work folder (see InboxPollerOptions::work_dir). Throws
  // EnvError if work_dir is empty, cannot be created, or all its folders are in use.
  InboxPoller(Database& db, const Clock& clock, SftpEndpoint endpoint, InboxPollerOptions options);
  ~InboxPoller();

  // The folder this poller downloads into: work_dir, or work_dir-N if that was taken.
  const std::string& work_dir() const { return work_dir_; }

  PollPassResult PollOnce(const std::vector<FirmInbox>& firms, const FirmDoneCallback& on_done = nullptr);

  // A group of firms applied in one commit ends after this many firms or once
  // its downloads reach this many bytes (two groups' exports are in memory at
  // once: one being applied, one being read and validated).
  static constexpr size_t kFirmsPerCommit = 8;
  static constexpr uint64_t kBytesPerCommit = 4u << 20;
  // SFTP connections that download at once (a pull waits mostly for round trips:
  // list, open, read, close per firm), and how far they may run ahead of the
  // firm being applied. One more connection moves the applied files.
  static constexpr size_t kFetchConnections = 2;
  static constexpr size_t kFetchAhead = 2 * kFirmsPerCommit;
  // The lock file in the work folder, and how many folders a work_dir may have.
  static constexpr const char* kWorkDirLock = "LOCK";
  static constexpr size_t kMaxWorkDirs = 8;

 private:
  struct FetchedFirm;
  using FetchedGroup = std::vector<std::unique_ptr<FetchedFirm>>;
  class Pass;  // one PollOnce: its fetcher threads and its applier
  // Steps 1-3 up to the order: list, download, hash, headers; starts reading and
  // validating the firm's exports on another thread.
  std::unique_ptr<FetchedFirm> Fetch(SftpSession& session, const FirmInbox& firm);
  // The firm's digests for reading its exports ahead (SnapshotIngest::Prepare);
  // none if the store fails now. Any thread.
  KnownRawDigests KnownDigestsForPrepare(const std::string& firm_id);
  // Applies what Fetch got into `group` (step 3); no files are moved.
  void Apply(FetchedFirm& fetched, CommitGroup& group);
  // After the group's commit: moves the applied files (`session` null: no
  // connection, the files stay for the next pass). `commit_error` non-empty:
  // the commit failed, nothing is moved and the firm reports that error.
  FirmPollResult Settle(SftpSession* session, FetchedFirm& fetched, const std::string& commit_error);
  static void RemoveDownloads(const FetchedFirm& fetched);

  Database& db_;
  const Clock& clock_;
  SftpEndpoint endpoint_;
  InboxPollerOptions options_;
  SnapshotIngest ingest_;
  std::string work_dir_;
  std::unique_ptr<FileLock> work_dir_lock_;  // held while the poller lives
};

}  // namespace kehrbote
