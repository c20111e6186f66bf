// ExportUploader: sends spooled exports to the SFTP drop with retries.
//
// Typical use by the agent after an export was written:
//   Spool spool(config.spool_dir, clock, config.spool_retention);
//   spool.Add(export_file, firm_id);
//   ExportUploader uploader(endpoint, config.remote_dir, spool);
//   UploadReport r = uploader.SendPending();   // r.ok(), r.Summary()
//
// SendPending() first prunes the spool (retention), then for each firm sends the
// NEWEST pending export via SftpSession::UploadAtomically under the remote name
// "export-<firm>-<spool time>-<seq>.json" (seq chosen free on the server). A failed
// attempt is retried up to RetryPolicy::max_attempts times, waiting
// initial_backoff, 2x, 4x ... (capped at max_backoff) in between; host-key and
// login errors are not retried (an operator must act). After a success the sent
// file and all OLDER pending exports of that firm are removed from the spool (each
// export is a full snapshot). After a failure everything stays spooled for the
// next call.
//
// Not thread-safe; one uploader per spool.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/upload/spool.h"
#include "shared/sftp/sftp_endpoint.h"

namespace kehrbote {

struct RetryPolicy {
  int max_attempts = 5;  // per SendPending call and firm, >= 1
  std::chrono::milliseconds initial_backoff{2'000};
  std::chrono::milliseconds max_backoff{60'000};
};

// Outcome for one firm's newest export.
struct FirmUploadOutcome {
  std::string firm_id;
  std::string spool_name;   // the spooled file that was tried
  bool sent = false;
  std::string remote_name;  // final name on the drop (if sent)
  int attempts = 0;
  std::string last_error;   // empty if sent at the first attempt
  std::vector<std::string> dropped;  // older spooled exports removed after success
};

struct UploadReport {
  std::vector<FirmUploadOutcome> firms;
  std::vector<std::string> pruned;  // removed by retention
  bool ok() const;                  // true if every firm's newest export was sent
  std::string Summary() const;      // one line per firm, for log and `once` output
};

class ExportUploader {
 public:
  using SleepFn = std::function<void(std::chrono::milliseconds)>;

  // `sleep` waits between attempts (default: std::this_thread::sleep_for); tests
  // pass a recorder, the agent service may pass a wait that ends early on stop.
  // `file_mode`: mode of the files on the drop (0600 or 0640, see agent.md).
  ExportUploader(SftpEndpoint endpoint, std::string remote_dir, Spool& spool,
                 RetryPolicy policy = {}, SleepFn sleep = {}, int file_mode = 0600);

  UploadReport SendPending();

 private:
  SftpEndpoint endpoint_;
  std::string remote_dir_;
  Spool& spool_;
  RetryPolicy policy_;
  SleepFn sleep_;
  int file_mode_;
};

}  // namespace kehrbote
