#include "dispatcher/planning/planner.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "dispatcher/planning/contact_selection.h"
#include "dispatcher/planning/late_policy.h"
#include "dispatcher/planning/message_text.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::string ChannelName(ContactChannel c) { return std::string(ToString(c)); }

// When a notice (change, cancellation) goes out: now, or when quiet hours end.
Timing NoticeTiming(const FirmPolicy& firm, Instant now, Instant deadline) {
  Timing t;
  if (now >= deadline) {
    t.reason = "not sent: the appointment has started";
    return t;
  }
  Instant at = firm.quiet_hours.MoveLater(now, firm.timezone);
  if (at >= deadline) {
    // A notice the contact needs before the start beats quiet hours.
    t.send = true;
    t.due = now;
    t.reason = "sent at once despite quiet hours " + firm.quiet_hours.Describe() +
               ": the appointment starts before they end";
    return t;
  }
  t.send = true;
  t.due = at;
  t.reason = at == now ? "sent at once" : "sent when quiet hours " +
                                              firm.quiet_hours.Describe() + " end";
  return t;
}

// A reminder that went out (or goes out) late, and its rule.
struct LateReminder {
  Instant due{};
  std::string rule;
};

// One rule's reminder for one contact, timed, before the duplicates are dropped.
struct RuleTiming {
  const ReminderRule* rule = nullptr;
  const ExistingMessage* stored = nullptr;  // the row of this version, if any
  Timing timing;
};

// Whether a stored reminder went out later than its rule's time (moved by the
// quiet hours): the late policy sent it. A rule no longer configured counts as
// on time.
bool WentOutLate(const FirmPolicy& firm, const Appointment& appointment, const ExistingMessage& e) {
  if (!e.sent()) return false;
  for (const ReminderRule& r : firm.rules) {
    if (r.name != e.rule_id) continue;
    const Instant regular = firm.quiet_hours.MoveEarlier(
        r.SendTime(appointment.start, firm.timezone, firm.date_only_time), firm.timezone);
    return e.due > regular;
  }
  return false;
}

// The late reminder whose place a reminder due at `due` takes, if any.
const LateReminder* ReplacedBy(const std::vector<LateReminder>& late, Instant due,
                               const LatePolicy& policy) {
  for (const LateReminder& l : late)
    if (due >= l.due && due - l.due < policy.replaces_within) return &l;
  return nullptr;
}

// What the contacts of one appointment already received and what is stored for
// this version, from the messages of all its versions.
struct History {
  // channel|contact key -> reminders and change notices sent to that contact.
  std::map<std::string, std::vector<const ExistingMessage*>> sent_to;
  // rule|contact key -> the row of this version.
  std::map<std::string, const ExistingMessage*> rows_of_this_version;

  History(const std::vector<ExistingMessage>& existing, int64_t version) {
    for (const ExistingMessage& e : existing) {
      if (e.appointment_version == version)
        rows_of_this_version[e.rule_id + "|" + e.contact_key] = &e;
      if (e.sent() &&
          (e.purpose == MessagePurpose::kReminder || e.purpose == MessagePurpose::kChange))
        sent_to[ChannelName(e.channel) + "|" + e.contact_key].push_back(&e);
    }
  }

  const ExistingMessage* StoredRow(const std::string& rule, const std::string& key) const {
    const auto it = rows_of_this_version.find(rule + "|" + key);
    return it == rows_of_this_version.end() ? nullptr : it->second;
  }

  // Sent to `channel|key`, or null.
  const std::vector<const ExistingMessage*>* SentTo(const std::string& channel,
                                                    const std::string& key) const {
    const auto it = sent_to.find(channel + "|" + key);
    return it == sent_to.end() ? nullptr : &it->second;
  }
};

// Plans one version of one appointment (PlanAppointment in planner.h): the
// steps share the appointment, its history and the plan being built.
class AppointmentPlanner {
 public:
  AppointmentPlanner(const FirmPolicy& firm, const Appointment& appointment, int64_t version,
                     const std::vector<ExistingMessage>& existing, Instant now)
      : firm_(firm),
        appointment_(appointment),
        version_(version),
        existing_(existing),
        now_(now),
        zone_(firm.timezone),
        deadline_(ToInstant(appointment.start.Earliest(), firm.timezone)),
        cancelled_(appointment.status == AppointmentStatus::kCancelled),
        history_(existing, version) {}

  AppointmentPlan Plan() {
    CancelPendingOfOlderVersions();
    if (cancelled_) {
      PlanCancellationNotices();
      return std::move(plan_);
    }
    ContactSelection selection = SelectContacts(appointment_, firm_);
    for (const ContactSkip& s : selection.skips)
      Skip(std::string(kRuleContact), s.channel, s.key, s.kind, s.reason);
    for (const SelectedContact& c : selection.contacts) PlanContact(c);
    WithdrawUnplanned();
    return std::move(plan_);
  }

 private:
  // What a contact received for earlier versions.
  struct EarlierReminders {
    bool other_start = false;                // a reminder for another start time
    std::set<std::string> same_start_rules;  // rules that reminded of this start
  };

  void Skip(std::string rule_id, ContactChannel channel, const std::string& key, SkipKind kind,
            std::string reason) {
    PlannedSkip s;
    s.firm_id = firm_.firm_id;
    s.appointment_id = appointment_.id;
    s.appointment_version = version_;
    s.rule_id = std::move(rule_id);
    s.channel = channel;
    s.contact = MaskContact(channel, key);
    s.kind = kind;
    s.reason = std::move(reason);
    plan_.skips.push_back(std::move(s));
  }

  // Adds the message, or a skip if its text lacks a value (shared/template's
  // missing-value policy: no text with a gap). Returns whether it was added.
  bool AddMessage(std::string rule_id, MessagePurpose purpose, ContactChannel channel,
                  const std::string& key, const std::string& recipient, Instant due,
                  std::string reason) {
    if (!values_) values_ = AppointmentValues(firm_, appointment_);
    RenderedText text = RenderAppointmentMessage(firm_, purpose, channel, *values_);
    if (!text.ok) {
      Skip(std::move(rule_id), channel, key, SkipKind::kMissingValue,
           "not sent: the text has no value for a placeholder (" + text.error + ")");
      return false;
    }
    PlannedMessage m;
    m.firm_id = firm_.firm_id;
    m.appointment_id = appointment_.id;
    m.appointment_version = version_;
    m.rule_id = std::move(rule_id);
    m.purpose = purpose;
    m.channel = channel;
    m.contact_key = key;
    m.recipient = recipient;
    m.sender = firm_.sender_name;
    m.subject = std::move(text.subject);
    m.body = std::move(text.body);
    m.segments = text.segments;
    m.due = due;
    m.deadline = deadline_;
    m.reason = std::move(reason);
    plan_.messages.push_back(std::move(m));
    return true;
  }

  // Not planned: a stored row is withdrawn with the reason, else a skip.
  void Drop(const RuleTiming& rt, const SelectedContact& c, SkipKind kind, std::string reason) {
    if (rt.stored)
      plan_.withdraw.emplace_back(rt.stored->id, "withdrawn: " + reason);
    else
      Skip(rt.rule->name, c.channel, c.key, kind, std::move(reason));
  }

  // Pending messages of older versions (of every version if cancelled) go.
  void CancelPendingOfOlderVersions() {
    for (const ExistingMessage& e : existing_) {
      if (e.pending() && (cancelled_ || e.appointment_version < version_))
        plan_.cancel.push_back(e.id);
    }
    plan_.cancel_reason = cancelled_
                              ? "appointment cancelled (version " + std::to_string(version_) + ")"
                              : "superseded by version " + std::to_string(version_);
  }

  // Every contact that had a reminder or change notice is told of the cancellation.
  void PlanCancellationNotices() {
    for (const auto& [id, msgs] : history_.sent_to) {
      const ExistingMessage& e = *msgs.front();
      const ContactChannel ch = e.channel;
      if (history_.StoredRow(std::string(kRuleCancellation), e.contact_key)) continue;
      // Notify relative to the start the contact was told.
      Instant told = e.deadline;
      for (const ExistingMessage* m : msgs) told = std::max(told, m->deadline);
      Timing t = NoticeTiming(firm_, now_, std::max(deadline_, told));
      if (!t.send) {
        Skip(std::string(kRuleCancellation), ch, e.contact_key, SkipKind::kTiming, t.reason);
        continue;
      }
      if (AddMessage(std::string(kRuleCancellation), MessagePurpose::kCancellation, ch,
                     e.contact_key, e.recipient, t.due,
                     "cancellation notice: the contact had a reminder; " + t.reason))
        plan_.messages.back().deadline = std::max(deadline_, told);
    }
  }

  void PlanContact(const SelectedContact& c) {
    const std::string channel = ChannelName(c.channel);
    const std::vector<const ExistingMessage*>* sent = history_.SentTo(channel, c.key);
    const EarlierReminders earlier = Earlier(sent);
    const bool change_notice = earlier.other_start && PlanChangeNotice(c);
    std::vector<LateReminder> late_sent = LateSent(sent);
    std::vector<RuleTiming> timed = TimeRules(c, earlier);
    PlanReminders(c, timed, change_notice, late_sent);
    const bool any_rule =
        std::any_of(firm_.rules.begin(), firm_.rules.end(),
                    [&](const ReminderRule& r) { return r.channel == c.channel; });
    if (!any_rule)
      Skip(std::string(kRuleContact), c.channel, c.key, SkipKind::kNoRule,
           "the firm has no " + channel + " rule");
  }

  EarlierReminders Earlier(const std::vector<const ExistingMessage*>* sent) const {
    EarlierReminders earlier;
    if (sent == nullptr) return earlier;
    for (const ExistingMessage* e : *sent) {
      if (e->appointment_version >= version_) continue;
      if (e->deadline != deadline_)
        earlier.other_start = true;
      else
        earlier.same_start_rules.insert(e->rule_id);
    }
    return earlier;
  }

  // The contact had a reminder for another start: a change notice tells the new
  // one. Returns whether one goes out (or is stored for this version).
  bool PlanChangeNotice(const SelectedContact& c) {
    if (history_.StoredRow(std::string(kRuleChange), c.key)) return true;
    Timing t = NoticeTiming(firm_, now_, deadline_);
    if (!t.send) {
      Skip(std::string(kRuleChange), c.channel, c.key, SkipKind::kTiming, t.reason);
      return false;
    }
    return AddMessage(std::string(kRuleChange), MessagePurpose::kChange, c.channel, c.key,
                      c.recipient, t.due,
                      "change notice: the contact had a reminder for the old time; " + t.reason);
  }

  // The reminders of this contact that went out late (this version or an
  // earlier one with the same start): each takes the place of the later ones
  // within late_policy.replaces_within (late_policy.h).
  std::vector<LateReminder> LateSent(const std::vector<const ExistingMessage*>* sent) const {
    std::vector<LateReminder> late_sent;
    if (sent == nullptr) return late_sent;
    for (const ExistingMessage* e : *sent) {
      if (e->deadline == deadline_ && e->purpose == MessagePurpose::kReminder &&
          WentOutLate(firm_, appointment_, *e))
        late_sent.push_back({e->due, e->rule_id});
    }
    return late_sent;
  }

  // The contact's channel's rules that are to send, timed and in time order (so
  // that a late reminder knows which ones follow it); the others are dropped.
  std::vector<RuleTiming> TimeRules(const SelectedContact& c, const EarlierReminders& earlier) {
    std::vector<RuleTiming> timed;
    for (const ReminderRule& rule : firm_.rules) {
      if (rule.channel != c.channel) continue;
      // A row of this version exists (a repeated pass, or the firm's policy
      // changed): one still 'planned' for later is planned again with the current
      // rule, the rest (sent, held, due now) stands as it is.
      const ExistingMessage* stored = history_.StoredRow(rule.name, c.key);
      if (stored) {
        handled_.insert(stored->id);
        if (stored->state != MessageState::kPlanned || stored->due <= now_) continue;
      }
      RuleTiming rt{&rule, stored, {}};
      if (earlier.same_start_rules.count(rule.name)) {
        Drop(rt, c, SkipKind::kDuplicate,
             "already reminded by rule " + rule.name + " for the same time (earlier version)");
        continue;
      }
      rt.timing = DecideRuleTiming(rule);
      if (!rt.timing.send) {
        Drop(rt, c, SkipKind::kTiming, rt.timing.reason);
        continue;
      }
      timed.push_back(std::move(rt));
    }
    std::stable_sort(timed.begin(), timed.end(), [](const RuleTiming& a, const RuleTiming& b) {
      return a.timing.due < b.timing.due;
    });
    return timed;
  }

  Timing DecideRuleTiming(const ReminderRule& rule) const {
    const Instant scheduled = rule.SendTime(appointment_.start, zone_, firm_.date_only_time);
    std::string rule_text = rule.name + ": " + rule.Describe();
    if (rule.UsesDateOnlyTime(appointment_.start))
      rule_text += " (date only: at " + FormatTimeOfDay(firm_.date_only_time) + ")";
    return DecideTiming(scheduled, deadline_, now_, firm_.quiet_hours, firm_.late_policy, zone_,
                        rule_text);
  }

  // Plans the timed reminders of one contact, in time order. Several rules whose
  // time has passed (2d and 1d for an appointment that arrives late) would all go
  // out at once: the customer gets one of them.
  void PlanReminders(const SelectedContact& c, std::vector<RuleTiming>& timed, bool change_notice,
                     std::vector<LateReminder>& late_sent) {
    std::string at_once_rule;
    for (RuleTiming& rt : timed) {
      const Timing& t = rt.timing;
      const bool at_once = t.due <= firm_.quiet_hours.MoveLater(now_, zone_);
      if (change_notice && at_once) {
        Drop(rt, c, SkipKind::kTiming,
             "not sent: reminder time has passed; the change notice tells the new time");
        continue;
      }
      if (at_once && !at_once_rule.empty()) {
        Drop(rt, c, SkipKind::kDuplicate,
             "not sent: reminder time has passed and rule " + at_once_rule +
                 " already goes out at once");
        continue;
      }
      if (const LateReminder* late = ReplacedBy(late_sent, t.due, firm_.late_policy)) {
        Drop(rt, c, SkipKind::kDuplicate, ReplacedReason(*late, t.due));
        continue;
      }
      if (!PlanReminder(c, rt)) continue;
      if (at_once) at_once_rule = rt.rule->name;
      if (t.late) late_sent.push_back({t.due, rt.rule->name});
    }
  }

  std::string ReplacedReason(const LateReminder& late, Instant due) const {
    return "not sent: the late reminder of rule " + late.rule + " (" +
           FormatLocalForReason(late.due, zone_) + ") takes its place; its time " +
           FormatLocalForReason(due, zone_) + " lies within " +
           FormatLead(firm_.late_policy.replaces_within) +
           " after it (late_policy.replaces_within)";
  }

  // A new reminder, or a stored one planned again; false if its text lacks a value.
  bool PlanReminder(const SelectedContact& c, const RuleTiming& rt) {
    const Timing& t = rt.timing;
    if (!AddMessage(rt.rule->name, MessagePurpose::kReminder, c.channel, c.key, c.recipient, t.due,
                    t.reason)) {
      if (rt.stored)
        plan_.withdraw.emplace_back(rt.stored->id, "withdrawn: " + plan_.skips.back().reason);
      return false;
    }
    if (rt.stored) {
      plan_.replan.push_back(std::move(plan_.messages.back()));
      plan_.messages.pop_back();
      plan_.replan.back().id = rt.stored->id;
    }
    return true;
  }

  // Pending reminders of this version that the current policy did not plan
  // again: the firm removed the rule or changed its channel, or the contact is
  // no longer selected. Notices (change, cancellation) stand.
  void WithdrawUnplanned() {
    for (const auto& [row_key, e] : history_.rows_of_this_version) {
      if (!e->pending() || handled_.count(e->id) || e->rule_id == kRuleChange ||
          e->rule_id == kRuleCancellation)
        continue;
      plan_.withdraw.emplace_back(e->id, "withdrawn: " + WhyUnplanned(*e));
    }
  }

  std::string WhyUnplanned(const ExistingMessage& e) const {
    const auto rule = std::find_if(firm_.rules.begin(), firm_.rules.end(),
                                   [&](const ReminderRule& r) { return r.name == e.rule_id; });
    if (rule == firm_.rules.end())
      return "rule " + e.rule_id + " is no longer in the firm's configuration";
    if (rule->channel != e.channel)
      return "rule " + e.rule_id + " now sends by " + ChannelName(rule->channel);
    return "the contact is no longer selected under the firm's current policy";
  }

  const FirmPolicy& firm_;
  const Appointment& appointment_;
  const int64_t version_;
  const std::vector<ExistingMessage>& existing_;
  const Instant now_;
  const std::string& zone_;
  const Instant deadline_;
  const bool cancelled_;
  const History history_;
  // The placeholder values, computed once per appointment when a text is needed.
  std::optional<TemplateValues> values_;
  std::set<int64_t> handled_;  // stored rows of this version the rules looked at
  AppointmentPlan plan_;
};

}  // namespace

AppointmentPlan PlanAppointment(const FirmPolicy& firm, const Appointment& appointment,
                                int64_t version, const std::vector<ExistingMessage>& existing,
                                Instant now) {
  return AppointmentPlanner(firm, appointment, version, existing, now).Plan();
}

}  // namespace kehrbote
