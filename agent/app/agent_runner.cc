#include "agent/app/agent_runner.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <sstream>

#include "agent/app/agent_status.h"
#include "agent/upload/spool.h"
#include "shared/env/env.h"
#include "shared/export/export_error.h"
#include "shared/sftp/sftp_session.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

constexpr size_t kMaxSkippedLogged = 100;

RetryPolicy Policy(const UploadConfig& u) {
  RetryPolicy p;
  p.max_attempts = u.max_attempts;
  p.initial_backoff = u.initial_backoff;
  p.max_backoff = u.max_backoff;
  return p;
}

// A spool name that is free: "<stem>-<seq>.json".
std::string FreeSpoolName(const Spool& spool, const std::string& firm, Instant now) {
  std::string stem = Spool::Stem(firm, now);
  int seq = 1;
  for (const SpooledExport& e : spool.Pending()) {
    if (e.firm_id == firm && e.spooled_at == now) seq = std::max(seq, e.seq + 1);
  }
  return stem + "-" + std::to_string(seq) + ".json";
}

std::string Lines(const std::string& s) {
  std::string out = s;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string Seconds(std::chrono::steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

AgentRunner::AgentRunner(const AgentConfig& config, const Clock& clock, Log log,
                         ExportUploader::SleepFn sleep)
    : config_(config), clock_(clock), log_(std::move(log)), sleep_(std::move(sleep)) {}

void AgentRunner::LogRun(const ExportRun& run) {
  log_.Info(run.Summary());
  size_t n = 0;
  for (const SkippedRow& s : run.report.skipped) {
    if (n++ == kMaxSkippedLogged) {
      log_.Warning("... and " + std::to_string(run.report.skipped.size() - kMaxSkippedLogged) +
                   " more skipped rows");
      break;
    }
    log_.Warning("skipped " + s.where + (s.id.empty() ? "" : " (id " + s.id + ")") + ": " +
                 s.reason);
  }
}

void AgentRunner::RecordSuccess(const ExportRun* run, const std::string& file,
                                const std::string& remote) {
  std::string warning;
  AgentStatus status = AgentStatus::Load(config_.status_file, &warning);
  if (!warning.empty()) log_.Warning(warning);
  AgentSuccess ok;
  ok.time = clock_.Now();
  ok.file = file;
  ok.remote_name = remote;
  if (run != nullptr) {
    ok.rows_read = run->report.rows_read;
    ok.appointments = run->report.appointments;
    ok.skipped = static_cast<int64_t>(run->report.skipped.size());
  }
  status.last_success = ok;
  status.last_attempt = ok.time;
  try {
    status.Save(config_.status_file, config_.firm.timezone);
  } catch (const EnvError& e) {
    log_.Error(std::string("cannot write the status file: ") + e.what());
  }
}

void AgentRunner::RecordError(const std::string& message) {
  log_.Error(message);
  std::string warning;
  AgentStatus status = AgentStatus::Load(config_.status_file, &warning);
  status.last_error = AgentFailure{clock_.Now(), message};
  status.last_attempt = clock_.Now();
  try {
    status.Save(config_.status_file, config_.firm.timezone);
  } catch (const EnvError& e) {
    log_.Error(std::string("cannot write the status file: ") + e.what());
  }
}

int AgentRunner::Upload(const std::string& spool_name, const ExportRun* run) {
  Spool spool(config_.spool_dir, clock_, config_.spool_retention);
  ExportUploader uploader(config_.upload.endpoint, config_.upload.remote_dir, spool,
                          Policy(config_.upload), sleep_, config_.upload.file_mode);
  UploadReport report = uploader.SendPending();
  std::string summary = Lines(report.Summary());
  if (report.ok()) {
    log_.Info(summary);
    std::string remote;
    std::string file = spool_name;
    for (const auto& f : report.firms) {
      if (f.firm_id == config_.firm.id) {
        remote = f.remote_name;
        if (f.spool_name != spool_name) {
          file = f.spool_name;
          run = nullptr;  // a newer spooled file than this run's was sent
        }
      }
    }
    if (!report.firms.empty()) RecordSuccess(run, file, remote);
    return kExitOk;
  }
  bool operator_needed = false;
  for (const auto& f : report.firms) {
    if (!f.sent && f.last_error.find("host key") != std::string::npos) operator_needed = true;
  }
  // ExportUploader does not retry host-key and login errors; one attempt means that.
  for (const auto& f : report.firms) {
    if (!f.sent && f.attempts == 1 && config_.upload.max_attempts > 1) operator_needed = true;
  }
  // What stays in the spool must survive a power cut until the next attempt.
  if (!spool_name.empty()) {
    std::string path = JoinPath(config_.spool_dir, spool_name);
    try {
      if (Env::Default().FileExists(path)) MakeDurable(path);
    } catch (const EnvError& e) {
      log_.Error(std::string("cannot sync the spooled export: ") + e.what());
    }
  }
  RecordError(summary);
  return operator_needed ? kExitOperatorNeeded : kExitUploadPending;
}

int AgentRunner::ExportAndUpload() {
  auto t0 = std::chrono::steady_clock::now();
  std::string name;
  ExportRun run;
  try {
    Spool spool(config_.spool_dir, clock_, config_.spool_retention);
    name = FreeSpoolName(spool, config_.firm.id, clock_.Now());
    // Not synced: it is usually sent and deleted within the second (see Upload).
    run = WriteExportFile(config_, clock_, JoinPath(spool.dir(), name), /*durable=*/false);
  } catch (const SourceError& e) {
    RecordError(std::string("export failed: ") + e.what());
    return kExitSourceUnreadable;
  } catch (const std::exception& e) {
    RecordError(std::string("export failed: ") + e.what());
    return kExitExportFailed;
  }
  LogRun(run);
  auto t1 = std::chrono::steady_clock::now();
  log_.Info("spooled " + name + " in " + Seconds(t1 - t0));
  int rc;
  try {
    rc = Upload(name, &run);
  } catch (const std::exception& e) {  // e.g. the spool directory became unwritable
    RecordError(std::string("upload failed: ") + e.what());
    rc = kExitUploadPending;
  }
  log_.Info("upload step took " + Seconds(std::chrono::steady_clock::now() - t1));
  return rc;
}

int AgentRunner::SendPending() {
  if (!HasPending()) return kExitOk;
  try {
    return Upload("", nullptr);
  } catch (const std::exception& e) {
    RecordError(std::string("upload failed: ") + e.what());
    return kExitUploadPending;
  }
}

bool AgentRunner::HasPending() const {
  try {
    Spool spool(config_.spool_dir, clock_, config_.spool_retention);
    return !spool.Pending().empty();
  } catch (const std::exception&) {
    return false;
  }
}

int AgentRunner::ExportOnly(const std::string& output) {
  try {
    ExportRun run = WriteExportFile(config_, clock_, output);
    LogRun(run);
    log_.Info("wrote " + output);
    return kExitOk;
  } catch (const SourceError& e) {
    log_.Error(std::string("export failed: ") + e.what());
    return kExitSourceUnreadable;
  } catch (const std::exception& e) {
    log_.Error(std::string("export failed: ") + e.what());
    return kExitExportFailed;
  }
}

int AgentRunner::Check(std::ostream& out) {
  bool all_ok = true;
  auto line = [&](bool ok, const std::string& what, const std::string& detail) {
    out << (ok ? "[ ok ] " : "[FAIL] ") << what << ": " << detail << "\n";
    if (!ok) all_ok = false;
  };
  line(true, "config", config_.file);

  // Source: read the whole window once, without writing anything.
  try {
    LocalTime first, last;
    ExportWindow(config_, clock_.Now(), &first, &last);
    auto source = OpenSource(config_.source, first, last);
    Appointment a;
    while (source->Next(&a)) {
    }
    const SourceReport& r = source->report();
    line(true, "source", source->Describe() + ": window " + FormatLocalDate(first) + ".." +
                             FormatLocalDate(last) + ", " + r.Summary());
    size_t n = 0;
    for (const auto& s : r.skipped) {
      if (n++ == 10) {
        out << "         ... and " << (r.skipped.size() - 10) << " more skipped rows\n";
        break;
      }
      out << "         skipped " << s.where << (s.id.empty() ? "" : " (id " + s.id + ")") << ": "
          << s.reason << "\n";
    }
  } catch (const std::exception& e) {
    line(false, "source", e.what());
  }

  const SftpEndpoint& ep = config_.upload.endpoint;
  PresentedHostKey key;
  bool have_key = false;
  try {
    key = FetchHostKey(ep);
    have_key = true;
  } catch (const std::exception& e) {
    line(false, "host key", e.what());
  }
  if (have_key) {
    std::string seen = key.type + " " + key.fingerprint;
    if (!ep.host_key_fingerprint.empty()) {
      bool match = ep.host_key_fingerprint == key.fingerprint;
      line(match, "host key", ep.host + ":" + std::to_string(ep.port) + " presents " + seen +
                                  (match ? " (matches the pinned fingerprint)"
                                         : "; pinned is " + ep.host_key_fingerprint +
                                               " - if the server's key really changed, pin the "
                                               "new one in upload.fingerprint"));
    } else {
      line(true, "host key", ep.host + ":" + std::to_string(ep.port) + " presents " + seen +
                                 " (checked against " + ep.known_hosts_file + " at login)");
    }
  }

  std::unique_ptr<SftpSession> session;
  try {
    session = SftpSession::Connect(ep);
    line(true, "login", ep.Describe());
  } catch (const std::exception& e) {
    line(false, "login", e.what());
  }
  if (session) {
    std::string probe = config_.upload.remote_dir + "/.kehrbote-check-" + config_.firm.id + ".tmp";
    try {
      std::istringstream in("kehrbote-agent check\n");
      session->Upload(in, probe);
      session->Remove(probe);
      line(true, "drop writable", config_.upload.remote_dir);
    } catch (const std::exception& e) {
      line(false, "drop writable", e.what());
    }
  }
  try {
    Spool spool(config_.spool_dir, clock_, config_.spool_retention);
    auto pending = spool.Pending();
    line(true, "spool", config_.spool_dir + ": " + std::to_string(pending.size()) +
                            " export(s) waiting");
  } catch (const std::exception& e) {
    line(false, "spool", e.what());
  }
  std::string warning;
  AgentStatus status = AgentStatus::Load(config_.status_file, &warning);
  if (!warning.empty()) {
    line(false, "status", warning);
  } else {
    std::string s = status.last_success
                        ? "last success " + FormatRfc3339(status.last_success->time,
                                                          config_.firm.timezone) +
                              " (" + status.last_success->remote_name + ")"
                        : "no success recorded yet";
    if (status.last_error) {
      s += "; last error " + FormatRfc3339(status.last_error->time, config_.firm.timezone) +
           ": " + status.last_error->message;
    }
    line(true, "status", s);
  }
  out << (all_ok ? "all checks passed\n" : "some checks FAILED\n");
  return all_ok ? kExitOk : 1;
}

}  // namespace kehrbote
