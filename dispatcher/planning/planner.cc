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

// Not planned: a stored row is withdrawn with the reason, else a skip.
template <typename MakeSkip>
void Drop(AppointmentPlan& plan, const RuleTiming& rt, const SelectedContact& c, SkipKind kind,
          std::string reason, MakeSkip& make_skip) {
  if (rt.stored)
    plan.withdraw.emplace_back(rt.stored->id, "withdrawn: " + reason);
  else
    make_skip(rt.rule->name, c.channel, c.key, kind, std::move(reason));
}

}  // namespace

AppointmentPlan PlanAppointment(const FirmPolicy& firm, const Appointment& appointment,
                                int64_t version, const std::vector<ExistingMessage>& existing,
                                Instant now) {
  AppointmentPlan plan;
  const std::string& zone = firm.timezone;
  const Instant deadline = ToInstant(appointment.start.Earliest(), zone);
  const bool cancelled = appointment.status == AppointmentStatus::kCancelled;

  auto make_skip = [&](std::string rule_id, ContactChannel channel, const std::string& key,
                       SkipKind kind, std::string reason) {
    PlannedSkip s;
    s.firm_id = firm.firm_id;
    s.appointment_id = appointment.id;
    s.appointment_version = version;
    s.rule_id = std::move(rule_id);
    s.channel = channel;
    s.contact = MaskContact(channel, key);
    s.kind = kind;
    s.reason = std::move(reason);
    plan.skips.push_back(std::move(s));
  };
  // The placeholder values, computed once per appointment when a text is needed.
  std::optional<TemplateValues> values;
  // Adds the message, or a skip if its text lacks a value (shared/template's
  // missing-value policy: no text with a gap). Returns whether it was added.
  auto make_message = [&](std::string rule_id, MessagePurpose purpose, ContactChannel channel,
                          const std::string& key, const std::string& recipient, Instant due,
                          std::string reason) {
    if (!values) values = AppointmentValues(firm, appointment);
    RenderedText text = RenderAppointmentMessage(firm, purpose, channel, *values);
    if (!text.ok) {
      make_skip(std::move(rule_id), channel, key, SkipKind::kMissingValue,
                "not sent: the text has no value for a placeholder (" + text.error + ")");
      return false;
    }
    PlannedMessage m;
    m.firm_id = firm.firm_id;
    m.appointment_id = appointment.id;
    m.appointment_version = version;
    m.rule_id = std::move(rule_id);
    m.purpose = purpose;
    m.channel = channel;
    m.contact_key = key;
    m.recipient = recipient;
    m.sender = firm.sender_name;
    m.subject = std::move(text.subject);
    m.body = std::move(text.body);
    m.segments = text.segments;
    m.due = due;
    m.deadline = deadline;
    m.reason = std::move(reason);
    plan.messages.push_back(std::move(m));
    return true;
  };

  // Pending messages of older versions (of every version if cancelled) go.
  for (const ExistingMessage& e : existing) {
    if (e.pending() && (cancelled || e.appointment_version < version)) plan.cancel.push_back(e.id);
  }
  plan.cancel_reason = cancelled ? "appointment cancelled (version " + std::to_string(version) + ")"
                                 : "superseded by version " + std::to_string(version);

  // What each contact already received: (channel/key) -> messages sent.
  std::map<std::string, std::vector<const ExistingMessage*>> sent_to;
  std::map<std::string, const ExistingMessage*> rows_of_this_version;  // "rule|key" stored
  for (const ExistingMessage& e : existing) {
    if (e.appointment_version == version) rows_of_this_version[e.rule_id + "|" + e.contact_key] = &e;
    if (e.sent() &&
        (e.purpose == MessagePurpose::kReminder || e.purpose == MessagePurpose::kChange))
      sent_to[ChannelName(e.channel) + "|" + e.contact_key].push_back(&e);
  }

  if (cancelled) {
    for (const auto& [id, msgs] : sent_to) {
      const ExistingMessage& e = *msgs.front();
      const ContactChannel ch = e.channel;
      if (rows_of_this_version.count(std::string(kRuleCancellation) + "|" + e.contact_key)) continue;
      // Notify relative to the start the contact was told.
      Instant told = e.deadline;
      for (const ExistingMessage* m : msgs) told = std::max(told, m->deadline);
      Timing t = NoticeTiming(firm, now, std::max(deadline, told));
      if (!t.send) {
        make_skip(std::string(kRuleCancellation), ch, e.contact_key, SkipKind::kTiming, t.reason);
        continue;
      }
      if (make_message(std::string(kRuleCancellation), MessagePurpose::kCancellation, ch,
                       e.contact_key, e.recipient, t.due,
                       "cancellation notice: the contact had a reminder; " + t.reason))
        plan.messages.back().deadline = std::max(deadline, told);
    }
    return plan;
  }

  std::set<int64_t> handled;  // stored rows of this version the rules below looked at
  ContactSelection selection = SelectContacts(appointment, firm);
  for (const ContactSkip& s : selection.skips)
    make_skip(std::string(kRuleContact), s.channel, s.key, s.kind, s.reason);

  for (const SelectedContact& c : selection.contacts) {
    const std::string channel = ChannelName(c.channel);
    const auto got = sent_to.find(channel + "|" + c.key);
    bool had_other_start = false;
    std::set<std::string> rules_sent_same_start;
    if (got != sent_to.end()) {
      for (const ExistingMessage* e : got->second) {
        if (e->appointment_version >= version) continue;
        if (e->deadline != deadline) had_other_start = true;
        else rules_sent_same_start.insert(e->rule_id);
      }
    }
    bool change_notice = false;
    if (had_other_start) {
      if (rows_of_this_version.count(std::string(kRuleChange) + "|" + c.key)) {
        change_notice = true;
      } else {
        Timing t = NoticeTiming(firm, now, deadline);
        if (t.send) {
          change_notice = make_message(
              std::string(kRuleChange), MessagePurpose::kChange, c.channel, c.key, c.recipient,
              t.due, "change notice: the contact had a reminder for the old time; " + t.reason);
        } else {
          make_skip(std::string(kRuleChange), c.channel, c.key, SkipKind::kTiming, t.reason);
        }
      }
    }

    // The reminders of this contact that went out late (this version or an
    // earlier one with the same start): each takes the place of the later ones
    // within late_policy.replaces_within (late_policy.h).
    std::vector<LateReminder> late_sent;
    if (got != sent_to.end()) {
      for (const ExistingMessage* e : got->second) {
        if (e->deadline == deadline && e->purpose == MessagePurpose::kReminder &&
            WentOutLate(firm, appointment, *e))
          late_sent.push_back({e->due, e->rule_id});
      }
    }

    bool any_rule = false;
    std::vector<RuleTiming> timed;
    for (const ReminderRule& rule : firm.rules) {
      if (rule.channel != c.channel) continue;
      any_rule = true;
      // A row of this version exists (a repeated pass, or the firm's policy
      // changed): one still 'planned' for later is planned again with the current
      // rule, the rest (sent, held, due now) stands as it is.
      const auto stored_it = rows_of_this_version.find(rule.name + "|" + c.key);
      const ExistingMessage* stored =
          stored_it == rows_of_this_version.end() ? nullptr : stored_it->second;
      if (stored) {
        handled.insert(stored->id);
        if (stored->state != MessageState::kPlanned || stored->due <= now) continue;
      }
      RuleTiming rt{&rule, stored, {}};
      if (rules_sent_same_start.count(rule.name)) {
        Drop(plan, rt, c, SkipKind::kDuplicate,
             "already reminded by rule " + rule.name + " for the same time (earlier version)", make_skip);
        continue;
      }
      const Instant scheduled = rule.SendTime(appointment.start, zone, firm.date_only_time);
      std::string rule_text = rule.name + ": " + rule.Describe();
      if (rule.UsesDateOnlyTime(appointment.start))
        rule_text += " (date only: at " + FormatTimeOfDay(firm.date_only_time) + ")";
      rt.timing = DecideTiming(scheduled, deadline, now, firm.quiet_hours, firm.late_policy, zone,
                               rule_text);
      if (!rt.timing.send) {
        Drop(plan, rt, c, SkipKind::kTiming, rt.timing.reason, make_skip);
        continue;
      }
      timed.push_back(std::move(rt));
    }
    // In time order, so that a late reminder knows which ones follow it.
    std::stable_sort(timed.begin(), timed.end(), [](const RuleTiming& a, const RuleTiming& b) {
      return a.timing.due < b.timing.due;
    });
    // Several rules whose time has passed (2d and 1d for an appointment that
    // arrives late) would all go out at once: the customer gets one of them.
    std::string at_once_rule;
    for (RuleTiming& rt : timed) {
      const ReminderRule& rule = *rt.rule;
      const Timing& t = rt.timing;
      const bool at_once = t.due <= firm.quiet_hours.MoveLater(now, zone);
      if (change_notice && at_once) {
        Drop(plan, rt, c, SkipKind::kTiming,
             "not sent: reminder time has passed; the change notice tells the new time", make_skip);
        continue;
      }
      if (at_once && !at_once_rule.empty()) {
        Drop(plan, rt, c, SkipKind::kDuplicate,
             "not sent: reminder time has passed and rule " + at_once_rule + " already goes out at once",
             make_skip);
        continue;
      }
      if (const LateReminder* late = ReplacedBy(late_sent, t.due, firm.late_policy)) {
        Drop(plan, rt, c, SkipKind::kDuplicate,
             "not sent: the late reminder of rule " + late->rule + " (" +
                 FormatLocalForReason(late->due, zone) + ") takes its place; its time " +
                 FormatLocalForReason(t.due, zone) + " lies within " +
                 FormatLead(firm.late_policy.replaces_within) +
                 " after it (late_policy.replaces_within)",
             make_skip);
        continue;
      }
      if (!make_message(rule.name, MessagePurpose::kReminder, c.channel, c.key, c.recipient, t.due,
                        t.reason)) {
        if (rt.stored) plan.withdraw.emplace_back(rt.stored->id, "withdrawn: " + plan.skips.back().reason);
        continue;
      }
      if (rt.stored) {
        plan.replan.push_back(std::move(plan.messages.back()));
        plan.messages.pop_back();
        plan.replan.back().id = rt.stored->id;
      }
      if (at_once) at_once_rule = rule.name;
      if (t.late) late_sent.push_back({t.due, rule.name});
    }
    if (!any_rule)
      make_skip(std::string(kRuleContact), c.channel, c.key, SkipKind::kNoRule,
                "the firm has no " + channel + " rule");
  }

  // Pending reminders of this version that the current policy did not plan
  // again: the firm removed the rule or changed its channel, or the contact is
  // no longer selected. Notices (change, cancellation) stand.
  for (const auto& [row_key, e] : rows_of_this_version) {
    if (!e->pending() || handled.count(e->id) || e->rule_id == kRuleChange ||
        e->rule_id == kRuleCancellation)
      continue;
    // Captured by name: clang 14 (the fuzz build) cannot capture a structured binding.
    const auto rule =
        std::find_if(firm.rules.begin(), firm.rules.end(),
                     [&id = e->rule_id](const ReminderRule& r) { return r.name == id; });
    std::string why;
    if (rule == firm.rules.end())
      why = "rule " + e->rule_id + " is no longer in the firm's configuration";
    else if (rule->channel != e->channel)
      why = "rule " + e->rule_id + " now sends by " + ChannelName(rule->channel);
    else
      why = "the contact is no longer selected under the firm's current policy";
    plan.withdraw.emplace_back(e->id, "withdrawn: " + why);
  }
  return plan;
}

}  // namespace kehrbote
