#include "dispatcher/app/dispatcher_app.h"

#include <algorithm>
#include <future>
#include <set>
#include <thread>

#include "dispatcher/planning/planner.h"
#include "dispatcher/store/store_schema.h"

namespace kehrbote {

DispatcherApp::DispatcherApp(const DispatcherConfig& config, Database& db)
    : config_(config), db_(db), plans_(db), appointments_(db), heartbeat_(db, config) {}

void DispatcherApp::Migrate() {
  MigrateStore(db_);
  plans_.Migrate();
}

FirmPolicy DispatcherApp::EffectivePolicy(const FirmConfig& firm) {
  FirmPolicy p = firm.policy;
  if (auto rec = appointments_.GetFirm(firm.id())) {
    if (!firm.timezone_set && !rec->firm.timezone.empty()) p.timezone = rec->firm.timezone;
    if (!firm.country_set && !rec->firm.country.empty()) p.country = rec->firm.country;
    if (p.firm_name.empty()) p.firm_name = rec->firm.name;
    if (p.firm_phone.empty()) p.firm_phone = rec->firm.phone;
  }
  return p;
}

PlanPassResult DispatcherApp::PlanFirm(const FirmConfig& firm, const std::vector<std::string>* ids,
                                       Instant now) {
  PlanPassResult r;
  r.firms = 1;
  const FirmPolicy policy = EffectivePolicy(firm);
  db_.WithFirmLock(firm.id(), [&](Poco::Data::Session& session) {
    std::vector<StoredAppointment> current;
    std::vector<std::string> unplanned;
    if (!ids) {
      // A full pass plans the versions not planned before, of appointments that
      // have not started. Usually none: then the firm costs one query.
      unplanned = plans_.UnplannedAppointments(session, firm.id(), now);
      if (unplanned.empty()) return;
      // Few: read them one by one; many: read the firm's range at once.
      if (unplanned.size() <= 50) ids = &unplanned;
    }
    if (ids) {
      for (const std::string& id : *ids)
        if (auto a = appointments_.Current(firm.id(), id)) current.push_back(std::move(*a));
    } else {
      // Every appointment that has not started; 10 years is "no end".
      current = appointments_.CurrentInRange(firm.id(), now + std::chrono::seconds{1},
                                             now + std::chrono::hours{24 * 3660});
    }
    if (current.empty()) return;
    std::map<std::string, std::vector<ExistingMessage>> existing =
        plans_.ExistingMessagesOfFirm(session, firm.id());
    // A full pass skips versions planned before (nothing about them changed).
    if (!unplanned.empty()) {
      const std::set<std::pair<std::string, int64_t>> done = plans_.PlannedVersions(session, firm.id());
      std::erase_if(current, [&](const StoredAppointment& a) {
        return done.count({a.appointment.id, a.version}) > 0;
      });
      if (current.empty()) return;
    }
    static const std::vector<ExistingMessage> kNone;
    std::vector<AppointmentPlan> planned(current.size());
    auto plan_range = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        const StoredAppointment& a = current[i];
        auto it = existing.find(a.appointment.id);
        planned[i] = PlanAppointment(policy, a.appointment, a.version,
                                     it == existing.end() ? kNone : it->second, now);
      }
    };
    // The planner is pure and CPU-bound (phone numbers, texts): split a large
    // firm over the cores while its lock is held.
    const size_t workers = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                            (current.size() + 49) / 50);
    if (workers > 1) {
      std::vector<std::future<void>> parts;
      const size_t chunk = (current.size() + workers - 1) / workers;
      for (size_t w = 1; w < workers; ++w)
        parts.push_back(std::async(std::launch::async, plan_range, w * chunk,
                                   std::min(current.size(), (w + 1) * chunk)));
      plan_range(0, std::min(current.size(), chunk));
      for (auto& f : parts) f.get();
    } else {
      plan_range(0, current.size());
    }
    std::vector<const AppointmentPlan*> all;
    for (const AppointmentPlan& p : planned) all.push_back(&p);
    PlanWriteResult w = plans_.WriteAll(session, all, now);
    std::vector<std::pair<std::string, int64_t>> versions;
    for (const StoredAppointment& a : current) versions.emplace_back(a.appointment.id, a.version);
    plans_.MarkPlanned(session, firm.id(), versions, now);
    r.appointments = static_cast<int>(current.size());
    r.planned = w.planned;
    r.cancelled = w.cancelled;
    r.skipped = w.skipped;
  });
  return r;
}

PlanPassResult DispatcherApp::PlanAll(Instant now) {
  PlanPassResult total;
  for (const FirmConfig& firm : config_.firms) {
    PlanPassResult r = PlanFirm(firm, nullptr, now);
    total.firms += r.firms;
    total.appointments += r.appointments;
    total.planned += r.planned;
    total.cancelled += r.cancelled;
    total.skipped += r.skipped;
  }
  return total;
}

PassResult DispatcherApp::RunPass(Instant now, bool full, bool pull) {
  PassResult r;
  if (puller_ && pull) r.ingested = puller_(now);
  if (full) {
    r.plan = PlanAll(now);
  } else {
    // Only what the pull changed, grouped by firm.
    std::map<std::string, std::vector<std::string>> changed;
    for (const IngestResult& i : r.ingested)
      if (i.outcome == IngestOutcome::kApplied && !i.changed_ids.empty()) {
        auto& v = changed[i.firm_id];
        v.insert(v.end(), i.changed_ids.begin(), i.changed_ids.end());
      }
    for (auto& [firm_id, ids] : changed) {
      const FirmConfig* firm = config_.FindFirm(firm_id);
      if (!firm) continue;
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      PlanPassResult p = PlanFirm(*firm, &ids, now);
      r.plan.firms += p.firms;
      r.plan.appointments += p.appointments;
      r.plan.planned += p.planned;
      r.plan.cancelled += p.cancelled;
      r.plan.skipped += p.skipped;
    }
  }
  r.heartbeat = heartbeat_.Run(now);
  if (sender_) r.sent = sender_(now);
  return r;
}

Instant DispatcherApp::NextWake(Instant now, Instant limit) {
  Instant wake = std::min(limit, heartbeat_.NextDue(now));
  if (auto due = plans_.NextDue(now)) wake = std::min(wake, *due);
  return wake;
}

}  // namespace kehrbote
