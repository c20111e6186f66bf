// DispatcherApp: one pass of the dispatcher over all firms, shared by the
// `once` command and the `run` service loop.
//
// A pass at instant `now`:
//   1. pull: the inbox puller (STORE's InboxPoller, set with set_puller) fetches
//      and ingests new exports; its results name the changed appointments. On a
//      full pass, planning (step 2) runs beside the pull: a firm is planned as
//      soon as the puller reports it done (FirmFeed);
//   2. plan: for each firm, under the firm's lock (Database::WithFirmLock, so two
//      dispatchers never plan one firm at once; the messages' UNIQUE key is the
//      second line of defence), the changed appointments - or, on a full pass,
//      every current appointment that has not started - are planned with the
//      pure planner and written by PlanStore. With several dispatchers on one
//      PostgreSQL a full pass claims each firm first (Database::TryClaimFirm)
//      and skips a firm another instance holds, looking at it once more at the
//      end of the planning (by then usually planned by that instance);
//   3. heartbeat: daily control messages and alarms (dispatcher/heartbeat);
//      the firm files that could not be used and this pass's firm failures
//      (below) are reported there;
//   4. send: what is due goes to the sender (DELIVERY's Outbox::SendDue, set with
//      set_sender); without one, messages stay 'planned' with their due_at.
//      The `run` loop leaves this step out of its passes and calls SendDue on
//      its delivery lane instead, so a long pull never delays a due message.
//
// One firm never stops another: an error while pulling one firm's inbox (the
// puller's ReportProblem) or planning it (its stored data, its policy, the
// planner) is recorded as that firm's FirmProblem and the pass goes on with the
// other firms, the heartbeat and sending; a refused export is recorded on the
// firm by the ingest and reported by the heartbeat. Errors of the
// store itself still fail the pass (no firm could be served).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dispatcher/app/firm_feed.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/heartbeat/heartbeat.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/database.h"
#include "shared/sync/mutex.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct PlanPassResult {
  int firms = 0;
  int appointments = 0;  // appointment versions planned
  int planned = 0;       // message rows written
  int cancelled = 0;
  int skipped = 0;

  PlanPassResult& operator+=(const PlanPassResult& o) {
    firms += o.firms;
    appointments += o.appointments;
    planned += o.planned;
    cancelled += o.cancelled;
    skipped += o.skipped;
    return *this;
  }
};

struct PassResult {
  std::vector<IngestResult> ingested;
  PlanPassResult plan;
  HeartbeatResult heartbeat;
  // What the sender did: messages claimed, accepted by the gateway, to retry,
  // ..., and why the others did not go through.
  SendCounts delivery;
  std::vector<FirmProblem> failures;  // firms whose pull or planning failed this pass
  // Wall-clock seconds of the pass and its steps (/metrics). In a full pass the
  // pull (with its ingest) runs beside the planning, so the parts overlap.
  struct Seconds {
    double total = 0, pull = 0, plan = 0, heartbeat = 0, send = 0;
    // {{"total", ...}, {"pull", ...}, ...} as DispatcherMetrics::RecordPass takes them.
    std::vector<std::pair<std::string, double>> Parts() const {
      return {{"total", total},
              {"pull", pull},
              {"plan", plan},
              {"heartbeat", heartbeat},
              {"send", send}};
    }
  } seconds;
};

// What a full pass reads of a firm before it claims it: most firms have
// nothing new to plan, which costs these two queries and no claim.
struct FirmOutlook {
  FirmPolicy policy;
  std::string policy_fingerprint;
  std::vector<std::string> unplanned;  // appointment ids, as PlanStore::UnplannedAppointments
};

class DispatcherApp {
 public:
  // Called by the puller, from any thread, once a firm's new files are applied.
  using FirmDone = std::function<void(const std::string& firm_id)>;
  // Pulls every firm's inbox and ingests what is new; reports each firm it is
  // done with to `done` (firms it does not report are planned after it returns).
  using Puller = std::function<std::vector<IngestResult>(Instant now, const FirmDone& done)>;
  // Sends what is due at `now`; returns what became of the messages it claimed.
  using Sender = std::function<SendCounts(Instant now)>;

  DispatcherApp(const DispatcherConfig& config, Database& db);

  void set_puller(Puller p) { puller_ = std::move(p); }
  void set_sender(Sender s) { sender_ = std::move(s); }
  // Records a problem of one firm in the pass running (the puller's: an inbox
  // that cannot be read), reported like a failed planning; thread-safe.
  void ReportProblem(FirmProblem problem);

  // Runs the migrations of the store and planning components.
  void Migrate();

  // One pass. `full` plans, for every firm, the current appointments not yet
  // planned with their current data and the firm's current policy (start of a
  // process, repair after a crash between ingest and planning); otherwise the
  // same only for the firms the pull applied an export of. `pull` = false skips
  // step 1 (a timer woke the loop for the heartbeat, not for the poll);
  // `send` = false skips step 4 (the caller sends on its own lane).
  PassResult RunPass(Instant now, bool full, bool pull = true, bool send = true);
  // Step 4 alone: sends what is due at `now`. Thread-safe against a pass
  // running on another thread (the store and the sender serialize their writes).
  SendCounts SendDue(Instant now);

  // Plans the given appointments of one firm (all current ones that have not
  // started if `ids` is null).
  // `optimistic` (full passes): read and plan outside the firm's lock, write
  // under it if the firm's unplanned versions and messages did not change
  // meanwhile, else plan again under the lock.
  // `seen`: the firm's policy and unplanned versions, read just before without
  // any lock (a full pass looks before it claims a firm); the write under the
  // lock checks them as it checks its own reads.
  PlanPassResult PlanFirm(const FirmConfig& firm, const std::vector<std::string>* ids, Instant now,
                          bool optimistic = false, const FirmOutlook* seen = nullptr);
  PlanPassResult PlanAll(Instant now);
  // The same for the firms `feed` hands out, as they become ready. Not on a
  // single-writer store: a firm another instance has claimed is skipped, then
  // planned (if anything is left) after the others.
  PlanPassResult PlanAll(Instant now, FirmFeed& feed);

  // The firm's policy with zone, country, name and phone from the last export's
  // header where the YAML does not set them.
  FirmPolicy EffectivePolicy(const FirmConfig& firm);

  // Earliest instant after `now` at which a pass has something to do (a
  // heartbeat), if before `limit`.
  Instant NextPassDue(Instant now, Instant limit);
  // Earliest instant after `now` at which a planned message falls due, if any.
  // Thread-safe.
  std::optional<Instant> NextSendDue(Instant now);

  const DispatcherConfig& config() const { return config_; }
  PlanStore& plan_store() { return plans_; }
  Heartbeat& heartbeat() { return heartbeat_; }

 private:
  // `firm`'s outlook at `now` on `c`.
  FirmOutlook LookAt(SqlConnection& c, const FirmConfig& firm, Instant now);
  // PlanAll on SQLite: firms are read and planned in parallel, and one writer
  // writes many firms per transaction (one commit, one fsync, per group).
  PlanPassResult PlanAllGrouped(Instant now, FirmFeed& feed);
  // Records that `firm_id`'s planning failed this pass (thread-safe).
  void RecordFailure(const std::string& firm_id, const std::exception_ptr& error);

  Mutex failures_mu_;
  std::vector<FirmProblem> failures_ GUARDED_BY(failures_mu_);  // of the pass running

  const DispatcherConfig& config_;
  Database& db_;
  PlanStore plans_;
  AppointmentStore appointments_;
  Heartbeat heartbeat_;
  Puller puller_;
  Sender sender_;
};

}  // namespace kehrbote
