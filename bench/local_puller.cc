#include "bench/local_puller.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <optional>

#include "bench/bench_firms.h"
#include "dispatcher/ingest/inbox_poller.h"
#include "dispatcher/store/commit_group.h"

namespace kehrbote::bench {

DispatcherApp::Puller LocalPuller(Database& db, SnapshotIngest& ingest,
                                  const DispatcherConfig& config,
                                  const std::vector<std::string>& files, PullFigures& figures) {
  // taken[f]: files[f] has left the "inbox" (InboxPoller moves a file it applied or
  // knew): a later pull finds that inbox empty and costs no query for it.
  auto taken = std::make_shared<std::vector<bool>>(files.size(), false);
  return [&db, &ingest, &config, &files, &figures, taken](Instant,
                                                          const DispatcherApp::FirmDone& done) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = CpuSeconds();
    std::vector<IngestResult> out;
    int skipped = 0;
    struct Fetched {
      int firm;
      FirmClaim claim;
      std::future<PreparedExport> prepared;
    };
    std::vector<Fetched> pending, fetching;
    uint64_t fetching_bytes = 0;
    auto finish = [&](std::vector<Fetched>& group) {
      if (group.empty()) return;
      std::vector<PreparedExport> prepared;
      prepared.reserve(group.size());
      for (Fetched& g : group) prepared.push_back(g.prepared.get());
      std::vector<IngestResult> results;
      results.reserve(group.size());
      CommitGroup commit(db);
      for (size_t i = 0; i < group.size(); ++i)
        results.push_back(
            ingest.ApplyPrepared(config.firms[group[i].firm].id(), prepared[i], &commit));
      commit.Commit();
      for (const Fetched& g : group) (*taken)[static_cast<size_t>(g.firm)] = true;
      std::vector<int> firms;
      firms.reserve(group.size());
      for (const Fetched& g : group) firms.push_back(g.firm);
      group.clear();  // the claims end before planning hears of the firms: it claims them next
      for (size_t i = 0; i < firms.size(); ++i) {
        if (results[i].outcome != IngestOutcome::kApplied)
          std::cerr << results[i].file_name << ": " << results[i].reason << "\n";
        out.push_back(std::move(results[i]));
        done(config.firms[firms[i]].id());
      }
    };
    auto close_group = [&] {
      finish(pending);
      pending = std::move(fetching);
      fetching.clear();
      fetching_bytes = 0;
    };
    for (size_t f = 0; f < files.size(); ++f) {
      const std::string& id = config.firms[f].id();
      if ((*taken)[f]) {  // an empty inbox: InboxPoller claims only a firm with files
        done(id);
        continue;
      }
      std::optional<FirmClaim> claim = db.TryClaimFirm(id);
      if (!claim) {  // another instance pulls it
        ++skipped;
        done(id);
        continue;
      }
      const std::string name = std::filesystem::path(files[f]).filename().string();
      if (ingest.AlreadyProcessed(id, {name, ""})) {
        (*taken)[f] = true;
        done(id);
        continue;
      }
      ExportFileInfo info{name, Sha256OfFile(files[f])};
      std::ifstream in(files[f], std::ios::binary);
      if (!ReadExportHeader(in, name)) std::cerr << name << ": no header\n";
      fetching_bytes += std::filesystem::file_size(files[f]);
      fetching.push_back({static_cast<int>(f), std::move(*claim),
                          std::async(std::launch::async, [&ingest, id, info, path = files[f]] {
                            // As InboxPoller: unchanged appointments are stepped over.
                            const KnownRawDigests known = ingest.KnownDigests(id);
                            return SnapshotIngest::Prepare(info, path, &known);
                          })});
      if (fetching.size() >= InboxPoller::kFirmsPerCommit ||
          fetching_bytes >= InboxPoller::kBytesPerCommit)
        close_group();
    }
    close_group();
    close_group();
    figures.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    figures.cpu = CpuSeconds() - cpu0;
    figures.skipped = skipped;
    return out;
  };
}

}  // namespace kehrbote::bench
