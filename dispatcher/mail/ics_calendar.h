// An appointment as an iCalendar object (RFC 5545), attached to reminder
// e-mails so the customer adds it to the calendar with one tap.
//
// Times are written in the firm's zone: DTSTART;TZID=Europe/Vienna:20261123T080000
// with a VTIMEZONE built from the IANA database for the event's year (its real
// transitions, so any zone works, not only the EU rules). UID is stable per
// appointment, so a changed appointment replaces the earlier entry (SEQUENCE =
// appointment version) and a cancellation (METHOD:CANCEL, STATUS:CANCELLED)
// removes it. Lines are CRLF-terminated and folded at 75 octets.
#pragma once

#include <string>

#include "shared/time/clock.h"

namespace kehrbote {

struct CalendarEvent {
  std::string uid;          // e.g. "A-1001@huber.kehrbote"
  Instant start{}, end{};
  std::string zone;         // IANA zone of the firm, "Europe/Vienna"
  std::string summary;      // "Rauchfangkehrer Huber: Kehrung"
  std::string description;
  std::string location;
  std::string organizer_name;
  std::string organizer_email;  // optional
  int sequence = 0;         // appointment version
  bool cancelled = false;
};

// The whole VCALENDAR text. `stamp` is DTSTAMP (when the message was made).
std::string FormatIcs(const CalendarEvent& event, Instant stamp);

// RFC 5545 TEXT escaping (backslash, ";", ",", newline).
std::string EscapeIcsText(const std::string& text);

}  // namespace kehrbote
