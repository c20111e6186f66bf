#include "dispatcher/mail/ics_calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <sstream>
#include <vector>

namespace kehrbote {
namespace {

using Seconds = std::chrono::seconds;

std::string FormatLocal(date::local_seconds t) {
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd(day);
  date::hh_mm_ss<Seconds> hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02d", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::string FormatUtc(Instant t) {
  return FormatLocal(date::local_seconds(t.time_since_epoch())) + "Z";
}

std::string FormatOffset(Seconds off) {
  long s = static_cast<long>(off.count());
  char sign = s < 0 ? '-' : '+';
  if (s < 0) s = -s;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02d%02d", sign, static_cast<int>(s / 3600 % 100),
                static_cast<int>((s / 60) % 60));
  return buf;
}

// Folds a content line at 75 octets without cutting a UTF-8 sequence.
void AppendLine(std::string& out, const std::string& line) {
  std::size_t pos = 0, limit = 75;
  while (line.size() - pos > limit) {
    std::size_t cut = pos + limit;
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line, pos, cut - pos);
    out += "\r\n ";
    pos = cut;
    limit = 74;  // the leading space counts
  }
  out.append(line, pos, std::string::npos);
  out += "\r\n";
}

std::string VTimezone(const std::string& zone_name, Instant around) {
  const date::time_zone* zone = date::locate_zone(zone_name);
  std::vector<std::string> lines;
  lines.push_back("BEGIN:VTIMEZONE");
  lines.push_back("TZID:" + zone_name);
  // Transitions from a year before to a year after the event.
  auto from = date::sys_seconds(around.time_since_epoch()) - date::days(366);
  auto to = date::sys_seconds(around.time_since_epoch()) + date::days(366);
  date::sys_info info = zone->get_info(from);
  bool any = false;
  while (info.end < to) {
    date::sys_info next = zone->get_info(info.end);
    // The onset in local time before the change (TZOFFSETFROM).
    auto onset = date::local_seconds((info.end + info.offset).time_since_epoch());
    std::string kind = next.save != std::chrono::minutes(0) ? "DAYLIGHT" : "STANDARD";
    lines.push_back("BEGIN:" + kind);
    lines.push_back("DTSTART:" + FormatLocal(onset));
    lines.push_back("TZOFFSETFROM:" + FormatOffset(info.offset));
    lines.push_back("TZOFFSETTO:" + FormatOffset(next.offset));
    lines.push_back("TZNAME:" + next.abbrev);
    lines.push_back("END:" + kind);
    any = true;
    info = next;
  }
  if (!any) {
    lines.push_back("BEGIN:STANDARD");
    lines.push_back("DTSTART:19700101T000000");
    lines.push_back("TZOFFSETFROM:" + FormatOffset(info.offset));
    lines.push_back("TZOFFSETTO:" + FormatOffset(info.offset));
    lines.push_back("TZNAME:" + info.abbrev);
    lines.push_back("END:STANDARD");
  }
  lines.push_back("END:VTIMEZONE");
  std::string out;
  for (const auto& l : lines) AppendLine(out, l);
  return out;
}

}  // namespace

std::string EscapeIcsText(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

std::string FormatIcs(const CalendarEvent& e, Instant stamp) {
  const date::time_zone* zone = date::locate_zone(e.zone);
  auto local = [&](Instant t) {
    return FormatLocal(zone->to_local(date::sys_seconds(t.time_since_epoch())));
  };
  std::string out;
  AppendLine(out, "BEGIN:VCALENDAR");
  AppendLine(out, "VERSION:2.0");
  AppendLine(out, "PRODID:-//Kehrbote//Dispatcher//DE");
  AppendLine(out, "CALSCALE:GREGORIAN");
  AppendLine(out, std::string("METHOD:") + (e.cancelled ? "CANCEL" : "PUBLISH"));
  out += VTimezone(e.zone, e.start);
  AppendLine(out, "BEGIN:VEVENT");
  AppendLine(out, "UID:" + e.uid);
  AppendLine(out, "SEQUENCE:" + std::to_string(e.sequence));
  AppendLine(out, "DTSTAMP:" + FormatUtc(stamp));
  AppendLine(out, "DTSTART;TZID=" + e.zone + ":" + local(e.start));
  AppendLine(out, "DTEND;TZID=" + e.zone + ":" + local(e.end > e.start ? e.end : e.start + std::chrono::hours(1)));
  AppendLine(out, "SUMMARY:" + EscapeIcsText(e.summary));
  if (!e.description.empty()) AppendLine(out, "DESCRIPTION:" + EscapeIcsText(e.description));
  if (!e.location.empty()) AppendLine(out, "LOCATION:" + EscapeIcsText(e.location));
  if (!e.organizer_email.empty()) {
    std::string cn = e.organizer_name.empty() ? "" : ";CN=\"" + e.organizer_name + "\"";
    AppendLine(out, "ORGANIZER" + cn + ":mailto:" + e.organizer_email);
  }
  AppendLine(out, std::string("STATUS:") + (e.cancelled ? "CANCELLED" : "CONFIRMED"));
  AppendLine(out, "TRANSP:OPAQUE");
  AppendLine(out, "END:VEVENT");
  AppendLine(out, "END:VCALENDAR");
  return out;
}

}  // namespace kehrbote
