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
  auto make_message = [&](std::string rule_id, std::string purpose, ContactChannel channel,
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
    m.purpose = std::move(purpose);
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
  std::set<std::string> rows_of_this_version;  // "rule|key" already stored
  for (const ExistingMessage& e : existing) {
    if (e.appointment_version == version) rows_of_this_version.insert(e.rule_id + "|" + e.contact_key);
    if (e.sent() && (e.purpose == "reminder" || e.purpose == "change"))
      sent_to[e.channel + "|" + e.contact_key].push_back(&e);
  }

  if (cancelled) {
    for (const auto& [id, msgs] : sent_to) {
      const ExistingMessage& e = *msgs.front();
      const ContactChannel ch = e.channel == "email" ? ContactChannel::kEmail : ContactChannel::kSms;
      if (rows_of_this_version.count(std::string(kRuleCancellation) + "|" + e.contact_key)) continue;
      // Notify relative to the start the contact was told.
      Instant told = e.deadline;
      for (const ExistingMessage* m : msgs) told = std::max(told, m->deadline);
      Timing t = NoticeTiming(firm, now, std::max(deadline, told));
      if (!t.send) {
        make_skip(std::string(kRuleCancellation), ch, e.contact_key, SkipKind::kTiming, t.reason);
        continue;
      }
      if (make_message(std::string(kRuleCancellation), "cancellation", ch, e.contact_key,
                       e.recipient, t.due, "cancellation notice: the contact had a reminder; " + t.reason))
        plan.messages.back().deadline = std::max(deadline, told);
    }
    return plan;
  }

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
          change_notice = make_message(std::string(kRuleChange), "change", c.channel, c.key,
                                       c.recipient, t.due,
                                       "change notice: the contact had a reminder for the old time; " +
                                           t.reason);
        } else {
          make_skip(std::string(kRuleChange), c.channel, c.key, SkipKind::kTiming, t.reason);
        }
      }
    }

    bool any_rule = false;
    // Several rules whose time has passed (2d and 1d for an appointment that
    // arrives late) would all go out at once: the customer gets one of them.
    std::string at_once_rule;
    for (const ReminderRule& rule : firm.rules) {
      if (rule.channel != c.channel) continue;
      any_rule = true;
      if (rows_of_this_version.count(rule.name + "|" + c.key)) continue;  // planned already
      if (rules_sent_same_start.count(rule.name)) {
        make_skip(rule.name, c.channel, c.key, SkipKind::kDuplicate,
                  "already reminded by rule " + rule.name + " for the same time (earlier version)");
        continue;
      }
      const Instant scheduled = rule.SendTime(appointment.start, zone, firm.date_only_time);
      std::string rule_text = rule.name + ": " + rule.Describe();
      if (rule.UsesDateOnlyTime(appointment.start))
        rule_text += " (date only: at " + FormatTimeOfDay(firm.date_only_time) + ")";
      Timing t = DecideTiming(scheduled, deadline, now, firm.quiet_hours, firm.late_policy, zone,
                              rule_text);
      if (!t.send) {
        make_skip(rule.name, c.channel, c.key, SkipKind::kTiming, t.reason);
        continue;
      }
      const bool at_once = t.due <= firm.quiet_hours.MoveLater(now, zone);
      if (change_notice && at_once) {
        make_skip(rule.name, c.channel, c.key, SkipKind::kTiming,
                  "not sent: reminder time has passed; the change notice tells the new time");
        continue;
      }
      if (at_once && !at_once_rule.empty()) {
        make_skip(rule.name, c.channel, c.key, SkipKind::kDuplicate,
                  "not sent: reminder time has passed and rule " + at_once_rule +
                      " already goes out at once");
        continue;
      }
      if (make_message(rule.name, "reminder", c.channel, c.key, c.recipient, t.due, t.reason) &&
          at_once)
        at_once_rule = rule.name;
    }
    if (!any_rule)
      make_skip(std::string(kRuleContact), c.channel, c.key, SkipKind::kNoRule,
                "the firm has no " + channel + " rule");
  }
  return plan;
}

}  // namespace kehrbote
