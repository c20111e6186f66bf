#include "dispatcher/report/unreachable_report.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <iomanip>
#include <map>
#include <set>

#include "dispatcher/message/message_sql.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/appointment_store.h"
#include "shared/log/personal_data.h"
#include "shared/text/csv_field.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

namespace {

std::string MaskedCustomer(const Customer& c) {
  std::string out;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += ' ';
    out += part;
  };
  add(c.salutation);
  add(c.title);
  add(MaskName(c.first_name));
  add(MaskName(c.last_name));
  if (!c.company.empty()) add(out.empty() ? MaskName(c.company) : "(" + MaskName(c.company) + ")");
  return out;
}

std::string ObjectText(const ObjectAddress& o) {
  std::string out = o.id;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += ", ";
    out += part;
  };
  add(o.street);
  std::string town = o.zip + (o.zip.empty() || o.city.empty() ? "" : " ") + o.city;
  add(town);
  return out;
}

// Appointments with a reminder or change notice that is not cancelled.
std::set<std::string> WithReminder(Database& db, const std::string& firm_id) {
  PooledConnection c = db.Connect();
  SqlStatement q(
      *c, "SELECT DISTINCT appointment_id FROM messages WHERE firm_id = ? AND purpose IN " +
              SqlList({MessagePurpose::kReminder, MessagePurpose::kChange}) + " AND state <> " +
              SqlLiteral(MessageState::kCancelled));
  q.Bind(1, firm_id);
  std::set<std::string> out;
  while (q.Step()) out.insert(q.Text(0));
  return out;
}

std::set<std::pair<std::string, int64_t>> PlannedVersions(Database& db,
                                                          const std::string& firm_id) {
  PooledConnection c = db.Connect();
  SqlStatement q(*c, "SELECT appointment_id, version FROM planned_versions WHERE firm_id = ?");
  q.Bind(1, firm_id);
  std::set<std::pair<std::string, int64_t>> out;
  while (q.Step()) out.emplace(q.Text(0), q.Int(1));
  return out;
}

std::string LocalMinute(Instant t, const std::string& zone) {
  std::string s = FormatLocalDateTime(ToLocal(t, zone)).substr(0, 16);
  s[10] = ' ';
  return s;
}

}  // namespace

std::vector<UnreachableAppointment> QueryUnreachable(Database& db, const std::string& firm_id,
                                                     const std::string& zone) {
  AppointmentStore appointments(db);
  Instant since{};
  if (auto firm = appointments.GetFirm(firm_id); firm && firm->last_window_from)
    since = ToInstant(*firm->last_window_from, zone);
  const std::set<std::string> reminded = WithReminder(db, firm_id);
  const std::set<std::pair<std::string, int64_t>> planned = PlannedVersions(db, firm_id);
  std::map<std::pair<std::string, int64_t>, std::vector<SkipRow>> skips;
  for (SkipRow& s : PlanStore(db).ListSkips(firm_id))
    skips[{s.appointment_id, s.appointment_version}].push_back(std::move(s));

  std::vector<UnreachableAppointment> out;
  const Instant no_end{std::chrono::seconds{253402300799}};  // 9999-12-31T23:59:59Z
  for (const StoredAppointment& a : appointments.CurrentInRange(firm_id, since, no_end)) {
    if (a.appointment.status != AppointmentStatus::kScheduled) continue;
    if (reminded.count(a.appointment.id)) continue;
    UnreachableAppointment u;
    u.appointment_id = a.appointment.id;
    u.version = a.version;
    u.start = a.start_at;
    u.received = a.created_at;
    u.object = ObjectText(a.appointment.object);
    u.customer = MaskedCustomer(a.appointment.customer);
    const auto it = skips.find({a.appointment.id, a.version});
    const bool was_planned = planned.count({a.appointment.id, a.version}) > 0;
    if (a.start_at <= a.created_at) {
      u.reason = "started";
      u.detail = "had started (" + LocalMinute(a.start_at, zone) + ") when it arrived (" +
                 LocalMinute(a.created_at, zone) + ")";
    } else if (!was_planned) {
      continue;  // the next pass plans it
    } else if (a.appointment.contacts.empty()) {
      u.reason = "no_contact";
      u.detail = "no phone number or e-mail address in the export";
    } else {
      std::set<std::string> skipped_contacts;
      if (it != skips.end()) {
        for (const SkipRow& s : it->second) {
          if (s.rule_id == "contact") skipped_contacts.insert(s.channel + ":" + s.contact);
          if (!u.detail.empty()) u.detail += "; ";
          u.detail += (s.contact.empty() ? s.channel : s.contact) + " " + s.kind + ": " + s.reason;
        }
      }
      u.reason = skipped_contacts.size() >= a.appointment.contacts.size() ? "all_contacts_skipped"
                                                                           : "no_reminder";
      if (u.detail.empty()) u.detail = "no rule planned a reminder";
    }
    out.push_back(std::move(u));
  }
  return out;
}

void WriteUnreachable(const std::vector<UnreachableAppointment>& rows, const std::string& format,
                      const std::string& zone, std::ostream& out) {
  auto detail = [](const UnreachableAppointment& u) { return u.detail; };
  if (format == "json") {
    Poco::JSON::Array arr;
    for (const auto& u : rows) {
      Poco::JSON::Object o;
      o.set("appointment", u.appointment_id);
      o.set("version", u.version);
      o.set("start", FormatRfc3339(u.start, zone));
      o.set("received", FormatRfc3339(u.received, zone));
      o.set("object", u.object);
      o.set("customer", u.customer);
      o.set("reason", u.reason);
      o.set("detail", detail(u));
      arr.add(o);
    }
    Poco::JSON::Stringifier::stringify(arr, out, 2);
    out << "\n";
  } else if (format == "csv") {
    out << "start,appointment,version,object,customer,reason,detail\n";
    for (const auto& u : rows)
      out << FormatRfc3339(u.start, zone) << "," << CsvField(u.appointment_id) << "," << u.version
          << "," << CsvField(u.object) << "," << CsvField(u.customer) << "," << u.reason << ","
          << CsvField(detail(u)) << "\n";
  } else {
    out << rows.size() << " appointment(s) without any reminder\n";
    for (const auto& u : rows)
      out << LocalMinute(u.start, zone) << "  " << std::left << std::setw(12) << u.appointment_id
          << " " << std::setw(22) << u.reason << u.object << "  " << u.customer << "  "
          << detail(u) << "\n";
  }
}

}  // namespace kehrbote
