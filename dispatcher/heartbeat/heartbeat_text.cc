#include "dispatcher/heartbeat/heartbeat_text.h"

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::string Name(const HeartbeatFacts& f) { return f.firm_name.empty() ? f.firm_id : f.firm_name; }

std::string GermanDate(Instant t, const std::string& zone) {
  return GermanDateTime(t, zone).substr(0, 10);
}

// "1 Termin", "3 Termine": the number with the noun phrase that agrees with it
// (the firm reads these texts; "1 Terminen" looks broken).
std::string Counted(int64_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

std::string Hours(std::chrono::seconds s) {
  return std::to_string(std::chrono::duration_cast<std::chrono::hours>(s).count()) + " Std.";
}

}  // namespace

std::string GermanDateTime(Instant t, const std::string& zone) {
  const std::string iso = FormatLocalDateTime(ToLocal(t, zone));  // 2026-11-23T06:05:00
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + " " +
         iso.substr(11, 5);
}

bool HasDeliveryProblem(const HeartbeatFacts& f) {
  return f.held > 0 ||
         (f.retrying > 0 && f.stalled_since && f.now - *f.stalled_since >= kDeliveryStallAlarm);
}

namespace {

// " Zustellung gestört seit 23.11.2026 06:00: 3 Nachrichten warten (503 ...)."
std::string DeliveryText(const HeartbeatFacts& f) {
  std::string t;
  if (f.retrying > 0) {
    t += " Zustellung gestört";
    if (f.stalled_since) t += " seit " + GermanDateTime(*f.stalled_since, f.timezone);
    t += ": " + Counted(f.retrying, "Nachricht wartet", "Nachrichten warten");
    if (!f.delivery_error.empty()) t += " (" + f.delivery_error.substr(0, 80) + ")";
    t += ".";
  }
  if (f.held > 0) {
    t += " " + Counted(f.held, "Nachricht", "Nachrichten") + " wegen SMS-Kontingent zurückgehalten.";
  }
  return t;
}

}  // namespace

bool IsAlarm(const HeartbeatFacts& f) {
  return !f.file_only && (!f.last_export_at || f.now - *f.last_export_at > f.alarm_after);
}

bool HasProblem(const HeartbeatFacts& f) { return !f.problems.empty() || !f.problem_details.empty(); }

std::string HeartbeatSubject(const HeartbeatFacts& f) {
  return (IsAlarm(f) ? "ALARM Kehrbote: Kein Export - " : "Kehrbote Kontrolle - ") + Name(f) +
         " - " + GermanDate(f.now, f.timezone);
}

std::string HeartbeatText(const HeartbeatFacts& f) {
  std::string t;
  if (IsAlarm(f)) {
    t = "ALARM Kehrbote " + Name(f) + ": Kein Export seit ";
    t += f.last_export_at ? GermanDateTime(*f.last_export_at, f.timezone) + " (" +
                                Hours(f.now - *f.last_export_at) + ")"
                          : "Beginn";
    t += ". Bitte Übertragung prüfen.";
  } else {
    t = "Kehrbote Kontrolle " + Name(f) + " " + GermanDate(f.now, f.timezone) +
        ": Letzter Export " + GermanDateTime(*f.last_export_at, f.timezone) + " mit " +
        Counted(f.last_export_appointments, "Termin", "Terminen") + ".";
  }
  t += " Heute " + Counted(f.messages_today, "Nachricht", "Nachrichten") + ".";
  if (f.invalid_contacts > 0)
    t += " " + Counted(f.invalid_contacts, "ungültiger Kontakt", "ungültige Kontakte") +
         " übersprungen.";
  if (f.missing_values > 0) {
    t += " " + Counted(f.missing_values, "Nachricht", "Nachrichten") +
         " nicht gesendet: fehlende Angaben";
    if (!f.missing_placeholders.empty()) t += " (" + f.missing_placeholders + ")";
    t += ".";
  }
  if (f.rejected_name) {
    t += " Abgelehnte Datei: " + *f.rejected_name;
    if (f.rejected_reason && !f.rejected_reason->empty()) t += " (" + *f.rejected_reason + ")";
    t += ".";
  }
  t += DeliveryText(f);
  for (const std::string& p : f.problems) t += " Störung: " + p + ".";
  // The operator alarm lists refused files too (Heartbeat).
  if (!f.problems.empty() || f.rejected_name) t += " Der Dienstleister ist informiert.";
  return t;
}

std::string OperatorAlarmText(const std::vector<HeartbeatFacts>& firms, Instant now,
                              const std::string& timezone) {
  size_t no_export = 0, stalled = 0, troubled = 0;
  for (const HeartbeatFacts& f : firms) {
    no_export += IsAlarm(f) ? 1 : 0;
    stalled += !IsAlarm(f) && HasDeliveryProblem(f) ? 1 : 0;
    troubled += HasProblem(f) ? 1 : 0;
  }
  auto betriebe = [](size_t n) { return Counted(static_cast<int64_t>(n), "Betrieb", "Betrieben"); };
  std::string t = "ALARM Kehrbote " + GermanDateTime(now, timezone) + ":";
  std::string sep = " ";
  if (no_export > 0) {
    t += sep + "Kein Export seit mehr als " + Hours(firms.front().alarm_after) + " bei " +
         betriebe(no_export);
    sep = "; ";
  }
  if (stalled > 0) {
    t += sep + "Zustellung gestört bei " + betriebe(stalled);
    sep = "; ";
  }
  if (troubled > 0) t += sep + "Störung bei " + betriebe(troubled);
  t += ":";
  for (const HeartbeatFacts& f : firms) {
    t += "\n- " + Name(f) + (f.firm_name.empty() ? "" : " (" + f.firm_id + ")") + ":";
    std::string item_sep;
    if (IsAlarm(f)) {
      t += f.last_export_at ? " Kein Export seit " + GermanDateTime(*f.last_export_at, f.timezone)
                            : std::string(" noch nie ein Export");
      item_sep = ";";
    }
    if (HasDeliveryProblem(f)) {
      t += item_sep + DeliveryText(f);
      item_sep = ";";
    }
    for (const std::string& d : f.problem_details) {
      t += item_sep + " Störung: " + d;
      item_sep = ";";
    }
  }
  return t;
}

}  // namespace kehrbote
