#include "agent/upload/export_uploader.h"

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "shared/sftp/sftp_session.h"

namespace kehrbote {

bool UploadReport::ok() const {
  return std::all_of(firms.begin(), firms.end(), [](const FirmUploadOutcome& f) { return f.sent; });
}

std::string UploadReport::Summary() const {
  std::string s;
  for (const std::string& p : pruned) s += "spool: deleted " + p + " (past retention)\n";
  if (firms.empty()) s += "upload: nothing pending\n";
  for (const FirmUploadOutcome& f : firms) {
    if (f.sent) {
      s += "upload " + f.firm_id + ": sent " + f.spool_name + " as " + f.remote_name +
           " (attempt " + std::to_string(f.attempts) + ")";
      if (!f.dropped.empty()) {
        s += ", dropped " + std::to_string(f.dropped.size()) + " older spooled export(s)";
      }
    } else {
      s += "upload " + f.firm_id + ": NOT sent after " + std::to_string(f.attempts) +
           " attempt(s), " + f.spool_name + " stays spooled: " + f.last_error;
    }
    s += "\n";
  }
  return s;
}

ExportUploader::ExportUploader(SftpEndpoint endpoint, std::string remote_dir, Spool& spool,
                               RetryPolicy policy, SleepFn sleep, int file_mode)
    : endpoint_(std::move(endpoint)),
      remote_dir_(std::move(remote_dir)),
      spool_(spool),
      policy_(policy),
      sleep_(sleep ? std::move(sleep)
                   : SleepFn([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); })),
      file_mode_(file_mode) {
  policy_.max_attempts = std::max(1, policy_.max_attempts);
}

UploadReport ExportUploader::SendPending() {
  UploadReport report;
  report.pruned = spool_.Prune();

  // Newest first per firm (Pending() is sorted newest first).
  std::map<std::string, std::vector<SpooledExport>> by_firm;
  for (SpooledExport& e : spool_.Pending()) by_firm[e.firm_id].push_back(std::move(e));

  std::unique_ptr<SftpSession> session;  // shared by the firms of this call
  for (auto& [firm, exports] : by_firm) {
    const SpooledExport& newest = exports.front();
    FirmUploadOutcome out;
    out.firm_id = firm;
    out.spool_name = newest.name;
    std::chrono::milliseconds backoff = policy_.initial_backoff;
    for (int attempt = 1; attempt <= policy_.max_attempts; ++attempt) {
      out.attempts = attempt;
      bool retry = false;
      try {
        if (!session) session = SftpSession::Connect(endpoint_);
        AtomicUploadResult r = session->UploadFileAtomically(
            newest.path, remote_dir_, Spool::Stem(firm, newest.spooled_at), ".json", file_mode_);
        out.sent = true;
        out.remote_name = r.final_name;
        break;
      } catch (const SftpError& e) {
        session.reset();  // its state is unknown after an error
        out.last_error = e.what();
        retry = e.retryable();
      } catch (const std::exception& e) {  // e.g. the spooled file vanished
        session.reset();
        out.last_error = e.what();
      }
      if (!retry || attempt == policy_.max_attempts) break;
      sleep_(backoff);
      backoff = std::min(backoff * 2, policy_.max_backoff);
    }
    if (out.sent) {
      // Each export is a full snapshot: the older ones are superseded.
      for (const SpooledExport& e : exports) {
        spool_.Remove(e);
        if (&e != &newest) out.dropped.push_back(e.name);
      }
    }
    report.firms.push_back(std::move(out));
  }
  return report;
}

}  // namespace kehrbote
