#include "dispatcher/ingest/inbox_poller.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <set>
#include <sstream>

#include "dispatcher/store/commit_group.h"
#include "shared/env/env.h"
#include "shared/sftp/sftp_session.h"
#include "shared/sync/mutex.h"
#include "shared/sync/worker_group.h"

namespace kehrbote {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string RemoteJoin(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// A final export file: "*.json", not hidden. "x.json.part" does not end in .json.
bool IsExportName(const RemoteEntry& e) {
  return e.is_regular && EndsWith(e.name, ".json") && e.name.size() > 5 && e.name[0] != '.';
}

bool HasExportFile(const std::vector<RemoteEntry>& entries) {
  return std::any_of(entries.begin(), entries.end(), IsExportName);
}

void EnsureRemoteDirectory(SftpSession& session, const std::string& dir) {
  if (!session.Stat(dir)) session.MakeDirectory(dir, 0700);
}

// Runs `op` (a move or upload into the inbox's processed/ or rejected/). It
// usually succeeds at once: only when the server refuses it are both
// directories made (a firm's first pass) and `op` tried again, so a pass costs
// no round trips for directories that exist. A lost connection is not retried.
template <typename Op>
void IntoInboxSubdirectory(SftpSession& session, const std::string& inbox, const Op& op) {
  try {
    op(/*retry=*/false);
    return;
  } catch (const SftpError& e) {
    if (e.kind() != SftpError::Kind::kRemote) throw;
  }
  EnsureRemoteDirectory(session, RemoteJoin(inbox, "processed"));
  EnsureRemoteDirectory(session, RemoteJoin(inbox, "rejected"));
  op(/*retry=*/true);
}

// Moves `from` to `to`. OpenSSH does not replace an existing target, so on the
// second try an old copy of the same name (an earlier upload of that name) is
// removed first.
void MoveReplacing(SftpSession& session, const std::string& inbox, const std::string& from,
                   const std::string& to) {
  IntoInboxSubdirectory(session, inbox, [&](bool retry) {
    if (retry && session.Stat(to)) session.Remove(to);
    session.Rename(from, to);
  });
}

struct Candidate {
  std::string name;
  std::string local_path;
  ExportFileInfo info;
  std::optional<Instant> generated_at;
  bool known_name = false;  // processed before under this name: not downloaded
};

}  // namespace

namespace {

// Empties `dir` of everything but its lock file: downloads an earlier run left
// behind when it did not end normally (killed, crashed, power cut).
void RemoveLeftovers(const std::string& dir, const std::string& lock_name) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename() == lock_name) continue;
    std::filesystem::remove_all(entry.path(), ec);
    if (ec) throw EnvError("cannot remove '" + entry.path().string() + "': " + ec.message());
  }
  if (ec) throw EnvError("cannot list '" + dir + "': " + ec.message());
}

}  // namespace

InboxPoller::InboxPoller(Database& db, const Clock& clock, SftpEndpoint endpoint, InboxPollerOptions options)
    : db_(db), clock_(clock), endpoint_(std::move(endpoint)), options_(std::move(options)), ingest_(db, clock) {
  if (options_.work_dir.empty()) throw EnvError("inbox poller: no work directory given");
  Env& env = Env::Default();
  // The first folder of work_dir, work_dir-2, ... that no other poller holds.
  for (size_t i = 1; i <= kMaxWorkDirs && !work_dir_lock_; ++i) {
    work_dir_ = i == 1 ? options_.work_dir : options_.work_dir + "-" + std::to_string(i);
    env.CreatePrivateDirectory(work_dir_);
    work_dir_lock_ = env.TryLockFile(JoinPath(work_dir_, kWorkDirLock));
  }
  if (!work_dir_lock_) {
    throw EnvError("inbox poller: '" + options_.work_dir + "' and " + std::to_string(kMaxWorkDirs - 1) +
                   " alternatives are all in use by other pollers");
  }
  RemoveLeftovers(work_dir_, kWorkDirLock);
}

InboxPoller::~InboxPoller() = default;  // downloads are removed as they are used

// A firm's inbox listed and downloaded, its exports being read and validated
// (SnapshotIngest::Prepare) on another thread while the previous firm is
// applied and this thread goes on to the next download.
struct InboxPoller::FetchedFirm {
  FirmInbox firm;
  std::vector<Candidate> candidates;  // in the order to apply
  std::vector<std::string> errors;     // the fetch (nothing applied) or Apply failed
  std::future<std::vector<PreparedExport>> prepared;  // one per candidate
  uint64_t bytes = 0;                  // downloaded
  bool not_connected = false;          // no connection: nothing fetched, the pass's connect error
  std::vector<IngestResult> applied;   // by Apply, in candidate order (fewer if it failed)
  std::optional<FirmClaim> claim;      // none: another instance has the firm; nothing fetched
};

// One PollOnce. Fetchers download into `slots_` (each on its own SFTP connection,
// firms taken in order, at most kFetchAhead firms or 2 * kBytesPerCommit bytes
// ahead of the applier); the calling thread applies the slots in firm order, in
// groups that share one commit, and moves the files on a connection of its own.
// The slots are a window in firm order that the fetchers fill out of order, not
// a first-in first-out queue, so they keep their own Mutex and CondVars; the
// fetchers are a WorkerGroup.
class InboxPoller::Pass {
 public:
  Pass(InboxPoller& poller, const std::vector<FirmInbox>& firms, const FirmDoneCallback& on_done)
      : poller_(poller), firms_(firms), on_done_(on_done), slots_(firms.size()) {}

  PollPassResult Run() EXCLUDES(mu_) {
    try {
      // FetchOne catches what a fetch throws; should a fetcher fail all the
      // same, the applier stops waiting for its slot and the pass fails with it.
      fetchers_.emplace(
          std::min<size_t>(kFetchConnections, firms_.size()), [this](size_t) { FetchLoop(); },
          WorkerGroup::Hooks{[this] { FetcherFailed(); }, nullptr});
      ApplyInOrder();
    } catch (...) {
      StopFetchers();
      std::exception_ptr error = std::current_exception();
      try {
        if (fetchers_) fetchers_->Join();  // a fetcher's own failure says more than Take's
      } catch (...) {
        error = std::current_exception();
      }
      MutexLock lock(&mu_);
      for (const auto& f : slots_)
        if (f) RemoveDownloads(*f);
      std::rethrow_exception(error);
    }
    StopFetchers();
    fetchers_->Join();
    MutexLock lock(&mu_);
    result_.connection_error = connect_error_;
    return std::move(result_);
  }

 private:
  // `session`, connected if it is not yet; null once a connect failed in this pass
  // (the rest of the pass does not retry).
  SftpSession* Connect(std::unique_ptr<SftpSession>& session) EXCLUDES(mu_) {
    if (session) return session.get();
    {
      MutexLock lock(&mu_);
      if (!connect_error_.empty()) return nullptr;
    }
    try {
      session = SftpSession::Connect(poller_.endpoint_);
    } catch (const std::exception& e) {
      MutexLock lock(&mu_);
      if (connect_error_.empty()) connect_error_ = poller_.endpoint_.Describe() + ": " + e.what();
      return nullptr;
    }
    return session.get();
  }

  // One fetcher thread.
  void FetchLoop() EXCLUDES(mu_) {
    std::unique_ptr<SftpSession> session;
    size_t i;
    while (ClaimNext(&i)) {
      std::unique_ptr<FetchedFirm> fetched = FetchOne(session, firms_[i]);
      MutexLock lock(&mu_);
      bytes_ahead_ += fetched->bytes;
      slots_[i] = std::move(fetched);
      fetched_cv_.SignalAll();
    }
  }

  // Waits until the fetchers may run further ahead; false when there is nothing
  // left to fetch or the pass ends.
  bool ClaimNext(size_t* i) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    while (!stop_ && next_ < firms_.size() &&
           (next_ >= taken_ + kFetchAhead || bytes_ahead_ >= 2 * kBytesPerCommit))
      room_cv_.Wait(&mu_);
    if (stop_ || next_ >= firms_.size()) return false;
    *i = next_++;
    return true;
  }

  std::unique_ptr<FetchedFirm> FetchOne(std::unique_ptr<SftpSession>& session,
                                        const FirmInbox& firm) EXCLUDES(mu_) {
    auto fetched = std::make_unique<FetchedFirm>();
    fetched->firm = firm;
    try {
      if (SftpSession* s = Connect(session)) {
        fetched = poller_.Fetch(*s, firm);
        // After an SFTP failure the connection may be unusable: a new one next.
        if (!fetched->errors.empty()) session.reset();
      } else {
        fetched->not_connected = true;
      }
    } catch (const std::exception& e) {
      fetched->errors.push_back(firm.firm_id + ": " + e.what());
      session.reset();
    }
    return fetched;
  }

  // The applier: takes the slots in firm order and applies them in groups.
  void ApplyInOrder() {
    FetchedGroup group;
    uint64_t group_bytes = 0;
    for (size_t i = 0; i < firms_.size(); ++i) {
      std::unique_ptr<FetchedFirm> f = Take(i);
      if (f->not_connected) {
        Finish(group);
        group_bytes = 0;
        ReportNotConnected(*f);
        continue;
      }
      group_bytes += f->bytes;
      group.push_back(std::move(f));
      if (group.size() >= kFirmsPerCommit || group_bytes >= kBytesPerCommit) {
        Finish(group);
        group_bytes = 0;
      }
    }
    Finish(group);
  }

  // Waits for slot `i` and takes it, making room for the fetchers.
  std::unique_ptr<FetchedFirm> Take(size_t i) EXCLUDES(mu_) {
    std::unique_ptr<FetchedFirm> f;
    {
      MutexLock lock(&mu_);
      while (slots_[i] == nullptr && !fetcher_failed_) fetched_cv_.Wait(&mu_);
      if (slots_[i] == nullptr) throw std::runtime_error("inbox poller: a fetcher failed");
      f = std::move(slots_[i]);
      bytes_ahead_ -= f->bytes;
      taken_ = i + 1;
    }
    room_cv_.SignalAll();
    return f;
  }

  void ReportNotConnected(const FetchedFirm& f) EXCLUDES(mu_) {
    FirmPollResult failed;
    failed.firm_id = f.firm.firm_id;
    {
      MutexLock lock(&mu_);
      failed.errors.push_back(connect_error_);
    }
    Report(std::move(failed));
  }

  // Applies `group` in one commit, then moves its files and reports its firms.
  void Finish(FetchedGroup& group) {
    if (group.empty()) return;
    const std::string commit_error = Commit(group);
    for (auto& f : group) {
      // A failed commit moves nothing: no connection needed.
      FirmPollResult result =
          poller_.Settle(commit_error.empty() ? Connect(mover_) : nullptr, *f, commit_error);
      // After an SFTP failure the connection may be unusable: a new one next.
      if (commit_error.empty() && !result.errors.empty()) mover_.reset();
      f->claim.reset();  // before planning hears of the firm: its planner claims it next
      Report(std::move(result));
    }
    group.clear();
  }

  // Applies `group` in one transaction; the commit's error, or an empty string.
  std::string Commit(FetchedGroup& group) {
    // Reading and validating ends before the writer is taken, so the group's
    // transaction never waits for it.
    for (auto& f : group)
      if (f->prepared.valid()) f->prepared.wait();
    std::string commit_error;
    const auto ingest_start = std::chrono::steady_clock::now();
    {
      CommitGroup commit(poller_.db_);
      for (auto& f : group) poller_.Apply(*f, commit);
      try {
        commit.Commit();
      } catch (const DatabaseError& e) {
        commit_error = e.what();
      }
    }
    result_.ingest_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ingest_start).count();
    return commit_error;
  }

  void Report(FirmPollResult result) {
    if (on_done_) on_done_(result.firm_id, result.changed_ids);
    result_.firms.push_back(std::move(result));
  }

  void FetcherFailed() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    fetcher_failed_ = true;
    fetched_cv_.SignalAll();
  }

  void StopFetchers() EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      stop_ = true;
    }
    room_cv_.SignalAll();
  }

  InboxPoller& poller_;
  const std::vector<FirmInbox>& firms_;
  const FirmDoneCallback& on_done_;
  PollPassResult result_;               // the applier's
  std::unique_ptr<SftpSession> mover_;  // the applier's connection

  Mutex mu_;
  CondVar fetched_cv_, room_cv_;
  std::vector<std::unique_ptr<FetchedFirm>> slots_ GUARDED_BY(mu_);
  size_t next_ GUARDED_BY(mu_) = 0;           // next firm to fetch
  size_t taken_ GUARDED_BY(mu_) = 0;          // firms the applier has taken
  uint64_t bytes_ahead_ GUARDED_BY(mu_) = 0;  // downloaded, not yet taken
  bool stop_ GUARDED_BY(mu_) = false;
  bool fetcher_failed_ GUARDED_BY(mu_) = false;
  std::string connect_error_ GUARDED_BY(mu_);
  std::optional<WorkerGroup> fetchers_;  // last: ended before the members above
};

PollPassResult InboxPoller::PollOnce(const std::vector<FirmInbox>& firms,
                                     const FirmDoneCallback& on_done) {
  return Pass(*this, firms, on_done).Run();
}

std::unique_ptr<InboxPoller::FetchedFirm> InboxPoller::Fetch(SftpSession& session, const FirmInbox& firm) {
  auto fetched = std::make_unique<FetchedFirm>();
  fetched->firm = firm;
  try {
    // An empty inbox, the usual case, costs its listing and nothing in the store.
    if (!HasExportFile(session.List(firm.remote_dir))) return fetched;
  } catch (const std::exception& e) {
    fetched->errors.push_back(firm.firm_id + ": " + firm.remote_dir + ": " + e.what());
    return fetched;
  }
  // Held until the firm's files are applied and moved: another dispatcher on
  // the store skips the firm meanwhile, and this one skips it while another has it.
  fetched->claim = db_.TryClaimFirm(firm.firm_id);
  if (!fetched->claim) return fetched;
  std::vector<Candidate>& candidates = fetched->candidates;
  Env& env = Env::Default();
  try {
    // 1-2. List again under the claim (another instance may have taken the
    // files since), download, hash, read headers.
    for (const RemoteEntry& entry : session.List(firm.remote_dir)) {
      if (!IsExportName(entry)) continue;
      Candidate c;
      c.name = entry.name;
      c.local_path = JoinPath(work_dir_, firm.firm_id + "--" + entry.name);
      // A name processed before (a file an earlier pass could not move away) is not
      // downloaded again; it is only moved below.
      c.known_name = ingest_.AlreadyProcessed(firm.firm_id, {entry.name, ""});
      if (c.known_name) {
        candidates.push_back(std::move(c));
        continue;
      }
      candidates.push_back(c);  // registered before the download, so cleanup finds it
      {
        env.NewPrivateFile(c.local_path)->Close();
        std::ofstream out(c.local_path, std::ios::binary | std::ios::trunc);
        session.Download(RemoteJoin(firm.remote_dir, entry.name), out, entry.size);
        out.close();
        if (!out) throw std::runtime_error("cannot write " + c.local_path);
      }
      std::error_code size_error;
      fetched->bytes += std::filesystem::file_size(c.local_path, size_error);
      c.info = {entry.name, Sha256OfFile(c.local_path)};
      std::ifstream in(c.local_path, std::ios::binary);
      if (auto header = ReadExportHeader(in, entry.name)) c.generated_at = header->generated_at;
      candidates.back() = std::move(c);
    }
    // 3. Oldest export first; unreadable ones last, by name.
    std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.generated_at.has_value() != b.generated_at.has_value()) return a.generated_at.has_value();
      if (a.generated_at && *a.generated_at != *b.generated_at) return *a.generated_at < *b.generated_at;
      return a.name < b.name;
    });
  } catch (const std::exception& e) {
    fetched->errors.push_back(firm.firm_id + ": " + firm.remote_dir + ": " + e.what());
    return fetched;
  }
  std::vector<std::pair<ExportFileInfo, std::string>> files;
  for (const Candidate& c : candidates) files.emplace_back(c.info, c.known_name ? "" : c.local_path);
  fetched->prepared =
      std::async(std::launch::async, [this, firm_id = firm.firm_id, files = std::move(files)] {
        const KnownRawDigests known = KnownDigestsForPrepare(firm_id);
        std::vector<PreparedExport> out;
        for (const auto& [info, path] : files) {
          if (path.empty())
            out.emplace_back();  // known name: not applied
          else
            out.push_back(SnapshotIngest::Prepare(info, path, &known));
        }
        return out;
      });
  return fetched;
}

KnownRawDigests InboxPoller::KnownDigestsForPrepare(const std::string& firm_id) {
  try {
    return ingest_.KnownDigests(firm_id);
  } catch (const DatabaseError&) {
    // Only the shortcut is lost: every appointment is read. A store that fails
    // fails again when the export is applied, and is reported there.
    return {};
  }
}

void InboxPoller::Apply(FetchedFirm& fetched, CommitGroup& group) {
  if (!fetched.errors.empty() || !fetched.claim) return;
  const FirmInbox& firm = fetched.firm;
  try {
    std::vector<PreparedExport> prepared = fetched.prepared.get();
    for (size_t i = 0; i < fetched.candidates.size(); ++i) {
      const Candidate& c = fetched.candidates[i];
      IngestResult r;
      if (c.known_name) {
        r.outcome = IngestOutcome::kDuplicate;
        r.firm_id = firm.firm_id;
        r.file_name = c.name;
        r.reason = c.name + ": processed before (same name)";
      } else {
        r = ingest_.ApplyPrepared(firm.firm_id, prepared[i], &group);
        prepared[i] = PreparedExport{};  // its appointments are not needed any more
      }
      fetched.applied.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    fetched.errors.push_back(firm.firm_id + ": " + firm.remote_dir + ": " + e.what());
  }
}

void InboxPoller::RemoveDownloads(const FetchedFirm& fetched) {
  Env& env = Env::Default();
  for (const Candidate& c : fetched.candidates) {
    try {
      if (env.FileExists(c.local_path)) env.RemoveFile(c.local_path);
    } catch (const std::exception&) {
    }
  }
}

FirmPollResult InboxPoller::Settle(SftpSession* session, FetchedFirm& fetched,
                                   const std::string& commit_error) {
  const FirmInbox& firm = fetched.firm;
  FirmPollResult result;
  result.firm_id = firm.firm_id;
  std::set<std::string> changed;
  auto cleanup = [&] { RemoveDownloads(fetched); };
  if (!commit_error.empty()) {
    // Nothing of the group stayed: every file is applied again next pass.
    result.errors = fetched.errors;
    if (!fetched.applied.empty()) result.errors.push_back(firm.firm_id + ": " + commit_error);
    cleanup();
    return result;
  }
  for (IngestResult& r : fetched.applied) {
    changed.insert(r.changed_ids.begin(), r.changed_ids.end());
    const std::string remote = RemoteJoin(firm.remote_dir, r.file_name);
    // 4. Out of the inbox. The store already knows the file, so a failure here
    // only leaves it for the next pass, where it is a duplicate and just moved.
    try {
      if (!session) throw std::runtime_error("no SFTP connection");
      const std::string& inbox = firm.remote_dir;
      if (r.outcome == IngestOutcome::kRejected) {
        IntoInboxSubdirectory(*session, inbox, [&](bool) {
          std::istringstream error(r.reason + "\n");
          session->Upload(error, RemoteJoin(inbox, "rejected/" + r.file_name + ".error"));
        });
        MoveReplacing(*session, inbox, remote, RemoteJoin(inbox, "rejected/" + r.file_name));
      } else if (options_.processed == ProcessedAction::kDelete) {
        session->Remove(remote);
      } else {
        MoveReplacing(*session, inbox, remote, RemoteJoin(inbox, "processed/" + r.file_name));
      }
    } catch (const std::exception& e) {
      result.errors.push_back(firm.firm_id + ": " + remote + ": cannot move out of the inbox: " + e.what());
    }
    result.files.push_back(std::move(r));
  }
  // The fetch's or Apply's failure; what was applied before it must still be planned.
  result.errors.insert(result.errors.end(), fetched.errors.begin(), fetched.errors.end());
  result.changed_ids.assign(changed.begin(), changed.end());
  cleanup();
  return result;
}

}  // namespace kehrbote
