// Masking of personal data for logs and error messages.
//
// The logger runs MaskPersonalData over every message at every level, so a phone
// number or an e-mail address that a caller (or an error text from a library, a
// server, a file) put into a message never reaches a log. Names cannot be told
// from other words in free text: a caller that must name a person passes the
// name through MaskName first. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

// Masks what looks like a phone number or an e-mail address anywhere in `text`
// and leaves everything else as it is:
// - a number as typed: '+' or '0' first, then at least 7 digits in all, with
//   ' ', '/', '-', '(' and ')' between them ("0664 / 1234567",
//   "+43 664 1234567") is masked as MaskTypedNumber does; dates, times, counts
//   and ids (which do not start with '0' or '+') stay readable;
// - an address local@domain.tld (letters in the last label) as MaskEmail does,
//   so "user@127.0.0.1:22" and "user@localhost" stay as they are.
// Already masked text ("+43********67", "m***@example.at") is left unchanged.
std::string MaskPersonalData(std::string_view text);

// "max.mustermann@example.at" -> "m***@example.at".
std::string MaskEmail(std::string_view address);

// A number as the office typed it, masked so that the office can still find it:
// separators kept, the first 4 digits kept when there are 9 or more (the
// prefix), the last 2 kept, every other digit '*' ("12345" -> "***45",
// "0664 / 1234567" -> "0664 / *****67").
std::string MaskTypedNumber(std::string_view typed);

// A person's name for a log line: every word keeps its first character
// (UTF-8 aware), the rest become '*' ("Maria Huber-Moser" -> "M**** H****-M****").
std::string MaskName(std::string_view name);

}  // namespace kehrbote
