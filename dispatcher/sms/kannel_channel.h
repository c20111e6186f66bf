// KannelChannel: SMS through Kannel's smsbox HTTP interface (/cgi-bin/sendsms).
//
// One Send() is one GET request:
//   username, password, from (the firm's sender), to (E.164, its "+" sent as %2B:
//   a literal "+" in a query means a space), text (UTF-8, charset=UTF-8),
//   coding (0 = GSM 7-bit, 2 = UCS-2), dlr-mask=31, dlr-url (the dispatcher's
//   receipt URL + the message's token + Kannel's %d %T %A %F escapes) and
//   validity (minutes until the deadline, so the SMSC drops a message stuck at
//   the operator instead of delivering it after the appointment started).
//
// The text is encoded with the shared SMS rules (SegmentedText) first: if all of
// it is GSM it goes as coding 0 (Kannel would turn any other character into "?"),
// otherwise as coding 2. Kannel splits UCS-2 texts every 134 octets and so cuts
// an emoji's surrogate pair in two; where SegmentedText moved such a character
// to the next part, an invisible U+200B ZERO WIDTH SPACE fills the part so that
// Kannel's cut falls exactly on SegmentedText's part boundary. A text needing
// more parts than `max_parts` (the sendsms-user's max-messages) is refused as
// permanent instead of being cut by Kannel.
//
// Replies:
//   202 "0: Accepted for delivery" / "3: Queued for later delivery" -> accepted
//   (202 "Sent." when smsbox runs with immediate-sendsms-reply = true)
//   503, other 5xx, refused connection, timeout                      -> transient
//   403 ("Not routable. Do not try again."), 400, other 4xx          -> permanent
// Kannel's reply carries no message id; receipts are matched by the token.
// Thread-safe: each concurrent Send() uses its own keep-alive connection
// (HttpConnection), taken from and given back to a small pool (the outbox's
// send window); connections are opened kConnectingAtOnce at a time.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "shared/time/clock.h"

namespace kehrbote {

class HttpConnection;

struct KannelSettings {
  std::string sendsms_url;  // "http://127.0.0.1:13013/cgi-bin/sendsms"
  std::string username;
  std::string password;
  // Receipt URL of the dispatcher's HTTP listener, e.g.
  // "https://kehrbote.example.at/dlr"; empty: no receipts requested.
  std::string dlr_url;
  std::string smsc_id;      // optional: route to this smsc-id
  int max_parts = 10;       // the sendsms-user's max-messages
  std::chrono::milliseconds timeout{10000};
};

class KannelChannel : public MessageChannel {
 public:
  KannelChannel(KannelSettings settings, Clock& clock);
  ~KannelChannel() override;

  SendOutcome Send(const OutgoingMessage& message) override;

  // The request path + query that Send() would use (for tests and logs; the
  // password is included, so never log it unmasked).
  std::string BuildRequestTarget(const OutgoingMessage& message, int* segments,
                                 std::string* error) const;

 private:
  KannelSettings settings_;
  Clock& clock_;
  std::string host_, path_, where_;
  int port_ = 0;
  std::unique_ptr<HttpConnection> TakeConnection();
  void GiveBack(std::unique_ptr<HttpConnection> connection);

  std::mutex idle_mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;  // kept-alive connections
  // Connections being opened at once: fewer SYNs than Kannel's accept queue
  // holds (10), so a wide window's first requests do not overflow it. One that
  // waited 1 s for a permit connects without one (see TakeConnection).
  static constexpr std::ptrdiff_t kConnectingAtOnce = 8;
  std::counting_semaphore<kConnectingAtOnce> connecting_{kConnectingAtOnce};
};

// The text as handed to Kannel, with U+200B fillers where Kannel's fixed UCS-2
// split would otherwise cut a surrogate pair; `coding` is 0 or 2, `segments`
// the number of parts. Throws InvalidUtf8Error on malformed input.
struct KannelText {
  std::string text;
  int coding = 0;
  int segments = 1;
};
KannelText PrepareKannelText(const std::string& utf8);

// The dlr-url for one message: base + "?token=" + token + Kannel's escapes
// (status %d, time %T, answer %A, smsc id %F).
std::string KannelDlrUrl(const std::string& base, const std::string& token);

// Validity in minutes for a message sent at `now` that must not arrive after
// `deadline` (at least 1; 0 if there is no deadline).
int ValidityMinutes(Instant now, Instant deadline);

// Checks an SMS sender: alphanumeric (1-11 characters of [A-Za-z0-9 .-_&]) or a
// number (optional "+", up to 15 digits). Returns an error text or "".
std::string CheckSmsSender(const std::string& sender);

}  // namespace kehrbote
