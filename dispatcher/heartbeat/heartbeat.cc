#include "dispatcher/heartbeat/heartbeat.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/planning/contact_selection.h"
#include "dispatcher/planning/late_policy.h"
#include "dispatcher/planning/message_text.h"
#include "dispatcher/planning/planned_message.h"
#include "shared/phone/phone_number.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using std::chrono::days;
using std::chrono::floor;

struct Recipient {
  ContactChannel channel;
  std::string key;
};

// Usable, de-duplicated recipients; unusable ones are counted.
std::vector<Recipient> Recipients(const std::vector<NotifyContact>& contacts,
                                  const std::string& country, int& skipped) {
  std::vector<Recipient> out;
  std::set<std::string> seen;
  for (const NotifyContact& c : contacts) {
    std::string key;
    if (c.channel == ContactChannel::kSms) {
      PhoneNumber p = ParsePhoneNumber(c.address, country);
      if (!p.sms_capable()) {
        ++skipped;
        continue;
      }
      key = p.e164;
    } else {
      key = c.address;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (key.find('@') == std::string::npos) {
        ++skipped;
        continue;
      }
    }
    if (seen.insert(key).second) out.push_back({c.channel, key});
  }
  return out;
}

Instant NextLocalMidnight(Instant now, const std::string& zone) {
  return ToInstant(floor<days>(ToLocal(now, zone)) + days{1}, zone);
}

}  // namespace

// A short stable digest (FNV-1a) of which firms are in alarm and why.
std::string SituationKey(const std::vector<HeartbeatFacts>& firms) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  for (const HeartbeatFacts& f : firms) {
    mix(f.firm_id);
    mix(IsAlarm(f) ? "|export" : "|");
    mix(HasDeliveryProblem(f) ? "|delivery" : "|");
    for (const std::string& d : f.problem_details) mix("|" + d);
    mix(";");
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 8);
}

namespace {

// At most `n` bytes of `s`, not cutting a UTF-8 character (the text may go out
// as SMS), with "..." if cut.
std::string Shortened(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

// True if the firm's last refused export is still news: refused after its last
// applied export, or less than a day ago. The firm's heartbeat names it, and
// the operator alarm lists it as the firm's problem.
bool RefusalIsCurrent(const FirmRecord& rec, Instant now) {
  return rec.last_rejected_name &&
         (!rec.last_export_at || !rec.last_rejected_at ||
          *rec.last_rejected_at >= *rec.last_export_at || now - *rec.last_rejected_at < days{1});
}

// The refused export as the operator alarm states it (the reason is masked by
// the ingest).
void AddRefusal(const FirmRecord* rec, Instant now, HeartbeatFacts& f) {
  if (!rec || !RefusalIsCurrent(*rec, now)) return;
  f.problem_details.push_back(f.firm_id + ": export " + *rec->last_rejected_name +
                              " refused: " + rec->last_rejected_reason.value_or("no reason"));
}

}  // namespace

// The firm's problems as the heartbeat and the operator alarm state them.
void AddProblems(const std::string& firm_id, const std::vector<FirmProblem>& problems,
                 HeartbeatFacts& f) {
  for (const FirmProblem& p : problems) {
    if (p.firm_id != firm_id) continue;
    f.problem_details.push_back(p.message);
    if (p.kind == FirmProblemKind::kPull) {
      f.problems.push_back("Abholung der Exporte fehlgeschlagen (" + Shortened(p.brief, 80) + ")");
    } else if (p.kind == FirmProblemKind::kPlanning || p.file.empty()) {
      f.problems.push_back("Planung fehlgeschlagen");
    } else {
      std::string phrase = "Firmendatei " + std::filesystem::path(p.file).filename().string() +
                           " fehlerhaft";
      if (p.line > 0) phrase += " (Zeile " + std::to_string(p.line) + ")";
      f.problems.push_back(phrase + ", die letzte gültige Fassung gilt weiter");
    }
  }
}

std::string LocalDateString(Instant t, const std::string& zone) {
  return FormatLocalDate(floor<days>(ToLocal(t, zone)));
}

Heartbeat::Heartbeat(Database& db, const DispatcherConfig& config)
    : db_(db), config_(config), plans_(db), appointments_(db) {}

void Heartbeat::AddBacklog(const std::string& firm_id, HeartbeatFacts& f) {
  DeliveryStore::Backlog b = DeliveryStore(db_).GetBacklog(firm_id);
  f.retrying = b.retrying;
  f.held = b.held;
  f.stalled_since = b.oldest_failure;
  f.delivery_error = b.last_error;
}

void Heartbeat::AddMissingValues(const std::string& firm_id, Instant from, Instant to,
                                 HeartbeatFacts& f) {
  std::vector<std::string> reasons;
  {
    PooledConnection c = db_.Connect();
    SqlStatement q(*c,
                   "SELECT reason FROM skips WHERE firm_id = ? AND created_at >= ? AND "
                   "created_at < ? AND kind = ?");
    q.BindAll(firm_id, from.time_since_epoch().count(), to.time_since_epoch().count(),
              ToString(SkipKind::kMissingValue));
    while (q.Step()) reasons.push_back(q.Text(0));
  }
  f.missing_values = static_cast<int>(reasons.size());
  // The placeholders the reasons name ("... no value ... for <<Strasse>>)"), once each.
  std::set<std::string> names;
  for (const std::string& r : reasons)
    for (size_t p = r.find("<<"); p != std::string::npos; p = r.find("<<", p + 2)) {
      const size_t e = r.find(">>", p);
      if (e == std::string::npos) break;
      if (names.insert(r.substr(p, e + 2 - p)).second) {
        if (!f.missing_placeholders.empty()) f.missing_placeholders += ", ";
        f.missing_placeholders += r.substr(p, e + 2 - p);
      }
    }
}

HeartbeatFacts Heartbeat::Facts(const FirmConfig& firm, Instant now) {
  HeartbeatFacts f;
  f.firm_id = firm.id();
  f.firm_name = firm.policy.firm_name;
  f.timezone = firm.policy.timezone;
  f.now = now;
  f.alarm_after = config_.alarm_after;
  std::optional<FirmRecord> rec = appointments_.GetFirm(firm.id());
  if (rec) {
    if (f.firm_name.empty()) f.firm_name = rec->firm.name;
    f.last_export_at = rec->last_export_at;
  }
  AddBacklog(firm.id(), f);
  AddMessageFacts(firm, rec ? &*rec : nullptr, f);
  return f;
}

void Heartbeat::AddMessageFacts(const FirmConfig& firm, const FirmRecord* rec, HeartbeatFacts& f) {
  const Instant now = f.now;
  if (rec) {
    f.last_export_appointments = rec->last_export_appointments;
    if (RefusalIsCurrent(*rec, now)) {
      f.rejected_name = rec->last_rejected_name;
      f.rejected_reason = rec->last_rejected_reason;
    }
  }
  const LocalTime today = floor<days>(ToLocal(now, f.timezone));
  f.messages_today = plans_.CountMessagesDue(firm.id(), ToInstant(today, f.timezone),
                                             ToInstant(today + days{1}, f.timezone));
  f.invalid_contacts = plans_.CountInvalidContacts(firm.id(), now - days{1}, now + std::chrono::seconds{1});
  AddMissingValues(firm.id(), now - days{1}, now + std::chrono::seconds{1}, f);
}

Heartbeat::FirmHeartbeat Heartbeat::RunFirm(const FirmConfig& firm, Instant now,
                                             const std::vector<FirmProblem>& problems) {
  FirmHeartbeat out;
  const std::string& zone = firm.policy.timezone;
  const LocalTime today = floor<days>(ToLocal(now, zone));
  const Instant due = ToInstant(today + firm.heartbeat_time, zone);
  std::optional<FirmRecord> rec = appointments_.GetFirm(firm.id());
  const bool never = !rec || !rec->last_export_at;
  if (never) {
    HeartbeatFacts f;
    f.firm_id = firm.id();
    f.firm_name = firm.policy.firm_name;
    f.timezone = zone;
    f.now = now;
    f.alarm_after = config_.alarm_after;
    AddProblems(firm.id(), problems, f);
    AddRefusal(rec ? &*rec : nullptr, now, f);
    out.alarm_facts = f;
    return out;
  }
  // What the alarm check needs; the message's facts add to it below.
  HeartbeatFacts facts;
  facts.firm_id = firm.id();
  facts.firm_name = firm.policy.firm_name.empty() ? rec->firm.name : firm.policy.firm_name;
  facts.timezone = zone;
  facts.now = now;
  facts.last_export_at = rec->last_export_at;
  facts.alarm_after = config_.alarm_after;
  AddBacklog(firm.id(), facts);
  AddProblems(firm.id(), problems, facts);
  AddRefusal(&*rec, now, facts);
  // No export for too long, exports fine but delivery stalled (gateway or
  // mail host down), or a problem of its own (a refused export too).
  if (now - *rec->last_export_at > config_.alarm_after || HasDeliveryProblem(facts) ||
      HasProblem(facts))
    out.alarm_facts = facts;
  if (now < due) return out;
  const std::string date = LocalDateString(now, zone);
  // Today's message exists (a second pass today): nothing to compute.
  if (plans_.HasMessage(firm.id(), date, std::string(kRuleHeartbeat))) return out;
  // Contacts: the firm's YAML plus the export header's.
  std::vector<NotifyContact> contacts = firm.heartbeat_contacts;
  for (const HeartbeatContact& hc : rec->firm.heartbeat_contacts)
    contacts.push_back(NotifyContact{hc.channel, hc.address});
  std::vector<Recipient> recipients = Recipients(contacts, firm.policy.country, out.skipped_contacts);
  if (recipients.empty()) return out;

  AddMessageFacts(firm, &*rec, facts);
  const bool alarm = IsAlarm(facts);
  const std::string text = HeartbeatText(facts);
  const std::string subject = HeartbeatSubject(facts);
  // An SMS keeps the firm's quiet hours unless it is on time: the heartbeat
  // time itself may lie in them (07:00), a late one (the dispatcher was down
  // and comes back at 23:00) waits for their end, but not past the next
  // heartbeat, which then tells the same. E-mail goes at once.
  const QuietHours& quiet = firm.policy.quiet_hours;
  const Instant next_heartbeat = ToInstant(today + days{1} + firm.heartbeat_time, zone);
  const bool on_time = quiet.MoveLater(due, zone) == quiet.MoveLater(now, zone);
  const Instant sms_due = on_time ? now : quiet.MoveLater(now, zone);
  AppointmentPlan& plan = out.plan.emplace();
  {
    for (const Recipient& rc : recipients) {
      const bool sms = rc.channel == ContactChannel::kSms;
      if (sms && sms_due >= next_heartbeat) {
        PlannedSkip k;
        k.firm_id = firm.id();
        k.appointment_id = date;
        k.rule_id = std::string(kRuleHeartbeat);
        k.channel = rc.channel;
        k.contact = MaskContact(rc.channel, rc.key);
        k.kind = SkipKind::kTiming;
        k.reason = "not sent: late heartbeat inside quiet hours " + quiet.Describe() +
                   "; the next heartbeat (" + FormatLocalForReason(next_heartbeat, zone) +
                   ") comes before they end";
        plan.skips.push_back(std::move(k));
        continue;
      }
      PlannedMessage m;
      m.firm_id = firm.id();
      m.appointment_id = date;
      m.appointment_version = 0;
      m.rule_id = std::string(kRuleHeartbeat);
      m.purpose = alarm ? MessagePurpose::kAlarm : MessagePurpose::kHeartbeat;
      m.channel = rc.channel;
      m.contact_key = rc.key;
      m.recipient = rc.key;
      m.sender = firm.policy.sender_name;
      if (rc.channel == ContactChannel::kSms) {
        RenderedText encoded = EncodeSms(firm.policy, text);
        m.body = encoded.body;
        m.segments = encoded.segments;
      } else {
        m.subject = subject;
        m.body = text;
      }
      m.due = sms ? sms_due : now;
      m.deadline = m.due == now ? NextLocalMidnight(now, zone) : next_heartbeat;
      m.reason = std::string(alarm ? "daily alarm: no export for more than "
                                   : "daily heartbeat at ") +
                 (alarm ? FormatLead(config_.alarm_after) : FormatTimeOfDay(firm.heartbeat_time));
      if (m.due != now) m.reason += "; late, waits for the end of quiet hours " + quiet.Describe();
      plan.messages.push_back(std::move(m));
    }
  }
  out.alarm = alarm;
  return out;
}

HeartbeatResult Heartbeat::Run(Instant now, const std::vector<FirmProblem>& problems) {
  HeartbeatResult r;
  std::vector<HeartbeatFacts> in_alarm;
  std::vector<AppointmentPlan> batch;
  // A handful of store reads per firm, for thousands of firms every pass:
  // spread over the cores, then taken in config order.
  std::vector<FirmHeartbeat> per_firm(config_.firms.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < per_firm.size();) per_firm[i] = RunFirm(config_.firms[i], now, problems);
  };
  const size_t workers =
      std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 1 + per_firm.size() / 64);
  std::vector<std::future<void>> helpers;
  for (size_t i = 1; i < workers; ++i) helpers.push_back(std::async(std::launch::async, worker));
  std::exception_ptr error;
  try {
    worker();
  } catch (...) {
    error = std::current_exception();
    next = per_firm.size();
  }
  for (auto& h : helpers) {
    try {
      h.get();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  for (FirmHeartbeat& f : per_firm) {
    r.skipped_contacts += f.skipped_contacts;
    if (f.alarm_facts) in_alarm.push_back(std::move(*f.alarm_facts));
    if (!f.plan) continue;
    batch.push_back(std::move(*f.plan));
    if (batch.back().messages.empty()) continue;  // only skips (late SMS)
    ++r.heartbeats;
    if (f.alarm) ++r.firm_alarms;
  }
  // Files that name no firm in use: the operator alone can tell.
  for (const FirmProblem& p : problems) {
    if (!p.firm_id.empty()) continue;
    HeartbeatFacts f;
    f.firm_id = p.file.empty() ? "?" : std::filesystem::path(p.file).filename().string();
    f.now = now;
    f.alarm_after = config_.alarm_after;
    f.file_only = true;
    f.problem_details.push_back(p.message);
    in_alarm.push_back(std::move(f));
  }
  // All firms' messages in one transaction (one commit, not one per firm); the
  // UNIQUE key keeps a concurrent dispatcher from doubling them.
  if (!batch.empty()) {
    std::vector<const AppointmentPlan*> plans;
    for (const AppointmentPlan& p : batch) plans.push_back(&p);
    int written = 0;
    db_.InTransaction([&](SqlConnection& c) { written = plans_.WriteAll(c, plans, now).planned; });
    if (written == 0) r.heartbeats = r.firm_alarms = 0;  // another dispatcher was first
  }

  if (!in_alarm.empty() && !config_.operator_contacts.empty()) {
    const std::string& zone = config_.operator_timezone;
    int skipped = 0;
    std::vector<Recipient> recipients = Recipients(config_.operator_contacts, "AT", skipped);
    const std::string text = OperatorAlarmText(in_alarm, now, zone);
    const std::string situation = SituationKey(in_alarm);
    db_.InTransaction([&](SqlConnection& c) {
      for (const Recipient& rc : recipients) {
        // SMS keep the operator's quiet hours; e-mail goes at once.
        const Instant due = rc.channel == ContactChannel::kSms
                                ? config_.operator_quiet_hours.MoveLater(now, zone)
                                : now;
        // One alarm per day (of its sending) for each distinct situation (which
        // firms, which problem): a delivery stall that starts after the
        // morning's alarm is still reported, a repeated pass with the same
        // situation is not, nor the next morning's pass after a night alarm.
        const std::string key = "operator-" + LocalDateString(due, zone) + "-" + situation;
        PlannedMessage m;
        m.firm_id = "";
        m.appointment_id = key;
        m.rule_id = std::string(kRuleAlarm);
        m.purpose = MessagePurpose::kAlarm;
        m.channel = rc.channel;
        m.contact_key = rc.key;
        m.recipient = rc.key;
        m.sender = config_.operator_sender;
        if (rc.channel == ContactChannel::kSms) {
          RenderedText sms = EncodeSms(SmsEncodingPolicy::kGsm7, text);
          m.body = sms.body;
          m.segments = sms.segments;
        } else {
          m.subject = "ALARM Kehrbote: " + std::to_string(in_alarm.size()) +
                      (in_alarm.size() == 1 ? " Betrieb" : " Betriebe") + " mit Störung";
          m.body = text;
        }
        m.due = due;
        m.deadline = NextLocalMidnight(due, zone);
        m.reason = "operator alarm: " + std::to_string(in_alarm.size()) +
                   " firm(s) without export, with stalled delivery or with a problem";
        if (due != now)
          m.reason += "; waits for the end of quiet hours " + config_.operator_quiet_hours.Describe();
        if (plans_.InsertMessage(c, m, now)) ++r.operator_alarms;
      }
    });
  }
  return r;
}

Instant Heartbeat::NextDue(Instant now) const {
  Instant best = now + days{1};
  for (const FirmConfig& firm : config_.firms) {
    const std::string& zone = firm.policy.timezone;
    const LocalTime today = floor<days>(ToLocal(now, zone));
    for (int d = 0; d < 2; ++d) {
      const Instant due = ToInstant(today + days{d} + firm.heartbeat_time, zone);
      if (due > now) {
        best = std::min(best, due);
        break;
      }
    }
  }
  return best;
}

}  // namespace kehrbote
