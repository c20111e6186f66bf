#include "dispatcher/heartbeat/heartbeat_text.h"

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::string Name(const HeartbeatFacts& f) { return f.firm_name.empty() ? f.firm_id : f.firm_name; }

std::string GermanDate(Instant t, const std::string& zone) {
  return GermanDateTime(t, zone).substr(0, 10);
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

bool IsAlarm(const HeartbeatFacts& f) {
  return !f.last_export_at || f.now - *f.last_export_at > f.alarm_after;
}

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
        std::to_string(f.last_export_appointments) + " Terminen.";
  }
  t += " Heute " + std::to_string(f.messages_today) +
       (f.messages_today == 1 ? " Nachricht." : " Nachrichten.");
  if (f.invalid_contacts > 0)
    t += " " + std::to_string(f.invalid_contacts) + " ungültige Kontakte übersprungen.";
  if (f.rejected_name) {
    t += " Abgelehnte Datei: " + *f.rejected_name;
    if (f.rejected_reason && !f.rejected_reason->empty()) t += " (" + *f.rejected_reason + ")";
    t += ".";
  }
  return t;
}

std::string OperatorAlarmText(const std::vector<HeartbeatFacts>& firms, Instant now,
                              const std::string& timezone) {
  std::string t = "ALARM Kehrbote " + GermanDateTime(now, timezone) + ": Kein Export seit mehr als " +
                  (firms.empty() ? std::string("26 Std.") : Hours(firms.front().alarm_after)) +
                  " bei " + std::to_string(firms.size()) + (firms.size() == 1 ? " Betrieb:" : " Betrieben:");
  for (const HeartbeatFacts& f : firms) {
    t += "\n- " + Name(f) + (f.firm_name.empty() ? "" : " (" + f.firm_id + ")") + ": ";
    t += f.last_export_at ? "Kein Export seit " + GermanDateTime(*f.last_export_at, f.timezone)
                          : std::string("noch nie ein Export");
  }
  return t;
}

}  // namespace kehrbote
