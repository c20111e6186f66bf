// SmtpChannel: e-mail through an SMTP relay (Poco::Net::SecureSMTPClientSession).
//
// Security: STARTTLS is required by default. startTLS()'s result is checked:
// if the server does not offer STARTTLS (or the handshake fails) the message is
// NOT sent in plain text; the outcome is transient ("mail host without
// STARTTLS"), so nothing is lost and the firm's heartbeat shows the backlog.
// The server certificate is verified against the system CAs or `ca_file`, and
// its name against `host`. AUTH (LOGIN or PLAIN) only after TLS.
//
// The message: multipart/mixed { multipart/alternative { text/plain, text/html },
// termin.ics (text/calendar, when the message belongs to an appointment) }.
// The HTML part is the text, escaped, with line breaks and the firm's name as
// signature, so both parts always say the same.
//
// From: `from_name`, or if that is empty the firm's name (FirmNameLookup), or
// the message's sender. A display name of plain ASCII goes as a quoted-string,
// any other as UTF-8 encoded-words (RFC 2047 "B"), so umlauts, quotes and '&'
// arrive exactly as written.
//
// Outcomes: 250 -> accepted (the Message-ID we generated is kept as gateway id);
// SMTP 5xx on MAIL/RCPT/DATA -> permanent with the reply; 4xx, connection
// errors, timeouts, TLS failures -> transient. Thread-safe: each Send() opens its
// own connection (the outbox may send several at once).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/mail/ics_calendar.h"
#include "shared/time/clock.h"

namespace Poco::Net {
class SecureSMTPClientSession;
}

namespace kehrbote {

enum class SmtpTls { kRequired, kNone };

struct SmtpSettings {
  std::string host;
  int port = 587;
  SmtpTls tls = SmtpTls::kRequired;  // "none" only for a relay on localhost
  std::string ca_file;               // empty: system CAs
  bool verify_certificate = true;
  std::string username;              // empty: no AUTH
  std::string password;
  std::string auth = "plain";        // plain | login
  std::string from_address;          // envelope sender and From
  std::string from_name;             // display name (the firm's name if empty)
  std::string helo_name = "kehrbote.localdomain";
  std::chrono::milliseconds timeout{30000};
};

// Finds the appointment of a message for the .ics attachment (nullopt: none).
using CalendarLookup = std::function<std::optional<CalendarEvent>(const OutgoingMessage&)>;
// The name of the firm a message is sent for ("" if unknown: the sender is used).
using FirmNameLookup = std::function<std::string(const OutgoingMessage&)>;

class SmtpChannel : public MessageChannel {
 public:
  SmtpChannel(SmtpSettings settings, Clock& clock, CalendarLookup lookup = {},
              FirmNameLookup firm_name = {});
  SendOutcome Send(const OutgoingMessage& message) override;

  // The MIME message as it would be sent (for tests and `--dry-run`).
  std::string Render(const OutgoingMessage& message, std::string* message_id) const;

 private:
  // EHLO, STARTTLS (if required) and AUTH (if configured); false: the host
  // offers no STARTTLS though it is required (the session is closed).
  bool Greet(Poco::Net::SecureSMTPClientSession& session) const;
  // MAIL FROM, RCPT TO and DATA with `rendered`; the outcome by the host's replies.
  SendOutcome Transmit(Poco::Net::SecureSMTPClientSession& session, const std::string& recipient,
                       const std::string& rendered, const std::string& where) const;

  SmtpSettings settings_;
  Clock& clock_;
  CalendarLookup lookup_;
  FirmNameLookup firm_name_;
};

// A mailbox display name for a header: "\"RFK Huber & Co\"" (plain ASCII), else
// one "=?UTF-8?B?...?=" word.
std::string EncodeDisplayName(const std::string& name);

// Plain text to a small HTML document (escaped, paragraphs, <br>).
std::string TextToHtml(const std::string& text, const std::string& title);

}  // namespace kehrbote
