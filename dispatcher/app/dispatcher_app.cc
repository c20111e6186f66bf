#include "dispatcher/app/dispatcher_app.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "dispatcher/planning/planner.h"
#include "dispatcher/settings/effective_policy.h"
#include "dispatcher/store/store_schema.h"
#include "shared/sync/bounded_queue.h"
#include "shared/sync/mutex.h"
#include "shared/sync/worker_group.h"

namespace kehrbote {

DispatcherApp::DispatcherApp(const DispatcherConfig& config, Database& db)
    : config_(config), db_(db), plans_(db), appointments_(db), heartbeat_(db, config) {}

void DispatcherApp::Migrate() {
  MigrateStore(db_);
  plans_.Migrate();
}

FirmPolicy DispatcherApp::EffectivePolicy(const FirmConfig& firm) {
  return kehrbote::EffectivePolicy(firm, appointments_.GetFirm(firm.id()));
}

namespace {

// What a firm's planning read and computed, before it is written.
struct FirmWork {
  std::string policy;                  // PolicyFingerprint of the firm's policy
  std::vector<std::string> unplanned;  // full pass: the versions to plan
  bool unplanned_read = false;         // unplanned came with the work (FirmOutlook)
  std::pair<int64_t, int64_t> fingerprint{0, 0};  // the firm's messages: count, max id
  std::vector<StoredAppointment> current;
  std::vector<AppointmentPlan> plans;
};

// Runs `work` on n threads, this one among them, and rethrows the first exception.
void RunOnWorkers(size_t n, const std::function<void(size_t)>& work) {
  WorkerGroup others(n > 0 ? n - 1 : 0, work);
  work(0);
  others.Join();
}

}  // namespace

// Reads and plans one firm. `split` spreads the planner over the cores (used
// when firms are planned one at a time).
static bool PrepareFirm(PlanStore& plans, AppointmentStore& appointments, SqlConnection& c,
                        const FirmConfig& firm, const FirmPolicy& policy,
                        const std::vector<std::string>* ids, Instant now, bool split, FirmWork& w) {
  if (w.policy.empty()) w.policy = PolicyFingerprint(policy);
  if (!ids) {
    // A full pass plans the versions not planned before, of appointments that
    // have not started. Usually none: then the firm costs one query.
    if (!w.unplanned_read) w.unplanned = plans.UnplannedAppointments(c, firm.id(), now, w.policy);
    if (w.unplanned.empty()) return false;
    // Few: read them one by one; many: read the firm's range at once.
    if (w.unplanned.size() <= 50) ids = &w.unplanned;
  }
  if (ids) {
    for (const std::string& id : *ids)
      if (auto a = appointments.Current(c, firm.id(), id)) w.current.push_back(std::move(*a));
  } else {
    // Every appointment that has not started; 10 years is "no end".
    w.current = appointments.CurrentInRange(c, firm.id(), now + std::chrono::seconds{1},
                                            now + std::chrono::hours{24 * 3660});
  }
  // A full pass skips versions planned before (nothing about them changed):
  // those not among the unplanned ones just read.
  if (!w.unplanned.empty()) {
    const std::set<std::string_view> unplanned(w.unplanned.begin(), w.unplanned.end());
    std::erase_if(w.current, [&](const StoredAppointment& a) {
      return unplanned.count(a.appointment.id) == 0;
    });
  }
  if (w.current.empty()) return false;
  // The messages and their fingerprint from one snapshot: the write checks
  // under the firm's lock that none came or went since.
  PlanStore::FirmMessages messages = plans.MessagesOfFirm(c, firm.id());
  w.fingerprint = messages.fingerprint;
  std::map<std::string, std::vector<ExistingMessage>>& existing = messages.existing;
  static const std::vector<ExistingMessage> kNone;
  w.plans.resize(w.current.size());
  auto plan_range = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const StoredAppointment& a = w.current[i];
      auto it = existing.find(a.appointment.id);
      w.plans[i] = PlanAppointment(policy, a.appointment, a.version,
                                   it == existing.end() ? kNone : it->second, now);
    }
  };
  // The planner is pure and CPU-bound (phone numbers, texts).
  const size_t workers = split ? std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                                  (w.current.size() + 49) / 50)
                               : 1;
  if (workers > 1) {
    std::vector<std::future<void>> parts;
    const size_t chunk = (w.current.size() + workers - 1) / workers;
    for (size_t i = 1; i < workers; ++i)
      parts.push_back(std::async(std::launch::async, plan_range, i * chunk,
                                 std::min(w.current.size(), (i + 1) * chunk)));
    plan_range(0, std::min(w.current.size(), chunk));
    for (auto& f : parts) f.get();
  } else {
    plan_range(0, w.current.size());
  }
  return true;
}

static void WriteFirm(PlanStore& plans, SqlConnection& c, const FirmConfig& firm, const FirmWork& w,
                      Instant now, PlanPassResult& r) {
  std::vector<const AppointmentPlan*> all;
  for (const AppointmentPlan& p : w.plans) all.push_back(&p);
  PlanWriteResult written = plans.WriteAll(c, all, now);
  std::vector<PlanStore::PlannedVersion> versions;
  for (const StoredAppointment& a : w.current)
    versions.push_back({a.appointment.id, a.version, a.data_hash});
  plans.MarkPlanned(c, firm.id(), versions, w.policy, now);
  r.appointments = static_cast<int>(w.current.size());
  r.planned = written.planned;
  r.cancelled = written.cancelled;
  r.skipped = written.skipped;
}

FirmOutlook DispatcherApp::LookAt(SqlConnection& c, const FirmConfig& firm, Instant now) {
  FirmOutlook o;
  o.policy = EffectivePolicy(firm);
  o.policy_fingerprint = PolicyFingerprint(o.policy);
  o.unplanned = plans_.UnplannedAppointments(c, firm.id(), now, o.policy_fingerprint);
  return o;
}

PlanPassResult DispatcherApp::PlanFirm(const FirmConfig& firm, const std::vector<std::string>* ids,
                                       Instant now, bool optimistic, const FirmOutlook* seen) {
  PlanPassResult r;
  r.firms = 1;
  const FirmPolicy policy = seen ? seen->policy : EffectivePolicy(firm);
  if (optimistic && !ids) {
    // Read and plan without the lock (other firms are written meanwhile), then
    // write under the lock if nothing changed in between; else plan again there.
    FirmWork w;
    if (seen) {
      w.policy = seen->policy_fingerprint;
      w.unplanned = seen->unplanned;
      w.unplanned_read = true;
    }
    bool any;
    {
      PooledConnection c = db_.Connect();
      any = PrepareFirm(plans_, appointments_, *c, firm, policy, nullptr, now, false, w);
    }
    if (!any) return r;
    bool written = false;
    db_.WithFirmLock(firm.id(), [&](SqlConnection& c) {
      if (plans_.UnplannedAppointments(c, firm.id(), now, w.policy) != w.unplanned ||
          plans_.MessageFingerprint(c, firm.id()) != w.fingerprint)
        return;
      WriteFirm(plans_, c, firm, w, now, r);
      written = true;
    });
    if (written) return r;
  }
  db_.WithFirmLock(firm.id(), [&](SqlConnection& c) {
    FirmWork w;
    if (PrepareFirm(plans_, appointments_, c, firm, policy, ids, now, true, w))
      WriteFirm(plans_, c, firm, w, now, r);
  });
  return r;
}

PlanPassResult DispatcherApp::PlanAllGrouped(Instant now, FirmFeed& feed) {
  // Planner threads read and plan firms without any lock and queue the result;
  // this thread writes what is queued, as many firms as have piled up in one
  // transaction. SQLite has one writer per file anyway, and a commit costs an
  // fsync: one per group instead of one per firm. Under BEGIN IMMEDIATE no
  // other writer runs, so each firm is checked there as PlanFirm does: written
  // if its unplanned versions and messages did not change since it was read,
  // else read and planned again inside the transaction.
  struct Planned {
    const FirmConfig* firm;
    FirmPolicy policy;
    FirmWork work;
  };
  constexpr size_t kQueued = 32;     // firms planned ahead of the writer (memory bound)
  constexpr size_t kPerCommit = 64;  // most firms in one transaction
  constexpr size_t kMinPerCommit = 16;
  constexpr auto kGather = std::chrono::milliseconds(50);
  PlanPassResult total;                    // the writer's
  std::atomic<int> firms_without_work{0};  // counted by the planners
  BoundedQueue<Planned> queue(kQueued);    // closed when the last planner ends
  auto planner = [&](size_t) {
    while (std::optional<size_t> i = feed.Next()) {
      const FirmConfig& firm = config_.firms[*i];
      Planned p{&firm, {}, {}};
      bool any = false;
      try {
        p.policy = EffectivePolicy(firm);
        PooledConnection c = db_.Connect();
        any = PrepareFirm(plans_, appointments_, *c, firm, p.policy, nullptr, now, false, p.work);
      } catch (...) {
        RecordFailure(firm.id(), std::current_exception());  // the other firms go on
      }
      if (!any) {
        ++firms_without_work;
        continue;
      }
      if (!queue.Push(std::move(p))) break;  // the writer failed
    }
  };
  // A failure on either side stops both: the feed hands out no more firms and
  // the queue takes and gives no more plans.
  auto stop = [&] {
    feed.Stop();
    queue.Cancel();
  };
  const size_t n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                    config_.firms.size());
  WorkerGroup planners(n, planner, {stop, [&] { queue.Close(); }});
  std::deque<Planned> group;  // firms the last transaction left out come first
  try {
    for (;;) {
      // Each commit costs an fsync and a turn of the store's one writer, which
      // the pull beside us needs too: while planners still work, wait briefly
      // for a group rather than commit each firm alone.
      queue.PopBatch(&group, kPerCommit, kMinPerCommit, kGather);
      if (group.empty() || planners.Failed()) break;
      std::vector<PlanPassResult> results(group.size());
      size_t written = 0;  // firms of the group in this transaction
      db_.InTransaction([&](SqlConnection& c) {
        written = 0;
        for (size_t g = 0; g < group.size(); ++g) {
          // A message falling due waits for this transaction: commit what is
          // written and let it go first; the rest of the group comes next.
          if (g > 0 && db_.UrgentWriterWaiting()) break;
          written = g + 1;
          Planned& p = group[g];
          PlanPassResult& r = results[g];
          r = PlanPassResult{};
          r.firms = 1;
          if (plans_.UnplannedAppointments(c, p.firm->id(), now, p.work.policy) !=
                  p.work.unplanned ||
              plans_.MessageFingerprint(c, p.firm->id()) != p.work.fingerprint) {
            FirmWork again;
            bool any = false;
            try {
              any = PrepareFirm(plans_, appointments_, c, *p.firm, p.policy, nullptr, now, true,
                                again);
            } catch (...) {
              RecordFailure(p.firm->id(), std::current_exception());  // nothing written for it
            }
            if (any) WriteFirm(plans_, c, *p.firm, again, now, r);
            continue;
          }
          WriteFirm(plans_, c, *p.firm, p.work, now, r);
        }
      });
      for (size_t g = 0; g < written; ++g) total += results[g];
      group.erase(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(written));
    }
  } catch (...) {
    stop();
    throw;  // ~WorkerGroup joins the planners
  }
  planners.Join();  // rethrows a planner's failure
  total.firms += firms_without_work;
  return total;
}

PlanPassResult DispatcherApp::PlanAll(Instant now) {
  FirmFeed feed(config_, /*pulling=*/false);
  return PlanAll(now, feed);
}

PlanPassResult DispatcherApp::PlanAll(Instant now, FirmFeed& feed) {
  if (db_.SingleWriter()) return PlanAllGrouped(now, feed);
  // Firms in parallel: reading and planning overlap; the writes are serialized
  // by the store (PostgreSQL locks per firm). Each firm is looked at first
  // without a claim (FirmOutlook: its policy and unplanned versions, two
  // queries); only a firm with something to plan is claimed. A firm another
  // dispatcher instance has claimed is skipped (it plans it itself) and looked at once more at the
  // end: usually that finds it planned (two queries); it catches a firm the
  // other instance held for a later step of its pass while this one had just
  // applied a new export of it.
  struct Shared {
    Mutex mu;
    PlanPassResult sum GUARDED_BY(mu);
    std::vector<size_t> skipped GUARDED_BY(mu);
  } shared;
  auto plan = [&](size_t i, const FirmOutlook* seen) {
    try {
      PlanPassResult r = PlanFirm(config_.firms[i], nullptr, now, /*optimistic=*/true, seen);
      MutexLock lock(&shared.mu);
      shared.sum += r;
    } catch (...) {
      RecordFailure(config_.firms[i].id(), std::current_exception());  // the others go on
    }
  };
  auto claim_and_plan = [&](size_t) {
    while (std::optional<size_t> i = feed.Next()) {
      const FirmConfig& firm = config_.firms[*i];
      std::optional<FirmOutlook> seen;
      std::optional<FirmClaim> claim;
      try {
        {
          PooledConnection c = db_.Connect();
          seen = LookAt(*c, firm, now);
        }
        if (!seen->unplanned.empty()) claim = db_.TryClaimFirm(firm.id());
      } catch (...) {
        RecordFailure(firm.id(), std::current_exception());
        continue;
      }
      if (seen->unplanned.empty()) {  // nothing to plan: no claim, no more queries
        MutexLock lock(&shared.mu);
        shared.sum.firms += 1;
      } else if (claim) {
        plan(*i, &*seen);
      } else {
        MutexLock lock(&shared.mu);
        shared.skipped.push_back(*i);
      }
    }
  };
  const size_t n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                    config_.firms.size());
  RunOnWorkers(n, claim_and_plan);
  std::vector<size_t> skipped;
  {
    MutexLock lock(&shared.mu);
    skipped.swap(shared.skipped);
  }
  std::atomic<size_t> next_skipped{0};
  RunOnWorkers(n, [&](size_t) {
    for (size_t k; (k = next_skipped++) < skipped.size();) plan(skipped[k], nullptr);
  });
  MutexLock lock(&shared.mu);
  return shared.sum;
}

void DispatcherApp::RecordFailure(const std::string& firm_id, const std::exception_ptr& error) {
  std::string what = "unknown error";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  ReportProblem({firm_id, "", 0, firm_id + ": planning failed: " + what, FirmProblemKind::kPlanning});
}

void DispatcherApp::ReportProblem(FirmProblem problem) {
  MutexLock lock(&failures_mu_);
  failures_.push_back(std::move(problem));
}

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

PassResult DispatcherApp::RunPass(Instant now, bool full, bool pull, bool send) {
  const auto pass_start = std::chrono::steady_clock::now();
  PassResult r;
  {
    MutexLock lock(&failures_mu_);
    failures_.clear();
  }
  if (full && puller_ && pull) {
    // Plan beside the pull: each firm as soon as its files are applied. The
    // pull runs on its own thread; this one writes the plans.
    // A planning failure leaves with the pull joined (~WorkerGroup), a pull
    // failure after the planning (Join).
    FirmFeed feed(config_, /*pulling=*/true);
    auto pull_all = [&](size_t) {
      const auto pull_start = std::chrono::steady_clock::now();
      r.ingested = puller_(now, [&](const std::string& firm_id) { feed.Ready(firm_id); });
      r.seconds.pull = SecondsSince(pull_start);
    };
    WorkerGroup pull_thread(1, pull_all, {nullptr, [&] { feed.Finish(); }});
    const auto plan_start = std::chrono::steady_clock::now();
    r.plan = PlanAll(now, feed);
    r.seconds.plan = SecondsSince(plan_start);
    pull_thread.Join();
  } else if (full) {
    const auto plan_start = std::chrono::steady_clock::now();
    r.plan = PlanAll(now);
    r.seconds.plan = SecondsSince(plan_start);
  } else {
    const auto pull_start = std::chrono::steady_clock::now();
    if (puller_ && pull) r.ingested = puller_(now, [](const std::string&) {});
    r.seconds.pull = SecondsSince(pull_start);
    const auto plan_start = std::chrono::steady_clock::now();
    // The firms the pull applied an export of. Each is planned as a full pass
    // would (its versions not planned with its current data and policy): the
    // changed and refreshed appointments, and every pending text when the
    // export's header changed the firm's phone, name or zone. Usually that is
    // exactly the changed ones, read one by one.
    std::set<std::string> applied;
    for (const IngestResult& i : r.ingested)
      if (i.outcome == IngestOutcome::kApplied) applied.insert(i.firm_id);
    for (const std::string& firm_id : applied) {
      const FirmConfig* firm = config_.FindFirm(firm_id);
      if (!firm) continue;
      try {
        r.plan += PlanFirm(*firm, nullptr, now);
      } catch (...) {
        RecordFailure(firm_id, std::current_exception());  // the other firms go on
      }
    }
    r.seconds.plan = SecondsSince(plan_start);
  }
  {
    MutexLock lock(&failures_mu_);
    r.failures = failures_;
  }
  std::vector<FirmProblem> problems = config_.firm_problems;
  problems.insert(problems.end(), r.failures.begin(), r.failures.end());
  const auto heartbeat_start = std::chrono::steady_clock::now();
  r.heartbeat = heartbeat_.Run(now, problems);
  r.seconds.heartbeat = SecondsSince(heartbeat_start);
  const auto send_start = std::chrono::steady_clock::now();
  if (send) r.delivery = SendDue(now);
  r.seconds.send = SecondsSince(send_start);
  r.seconds.total = SecondsSince(pass_start);
  return r;
}

SendCounts DispatcherApp::SendDue(Instant now) {
  // A due message goes ahead of the pull's and the planner's writes (SQLite).
  Database::UrgentWrites urgent;
  return sender_ ? sender_(now) : SendCounts{};
}

Instant DispatcherApp::NextPassDue(Instant now, Instant limit) {
  return std::min(limit, heartbeat_.NextDue(now));
}

std::optional<Instant> DispatcherApp::NextSendDue(Instant now) { return plans_.NextDue(now); }

}  // namespace kehrbote
