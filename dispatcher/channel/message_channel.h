// MessageChannel: where a due message leaves the dispatcher (Kannel SMS, SMTP e-mail).
//
// The outbox claims a due message, records it as "sending" durably, then calls
// Send(). The channel does one attempt and classifies the result; it never retries
// by itself (the outbox owns retries, deadlines and crash recovery).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "shared/time/clock.h"

namespace kehrbote {

struct OutgoingMessage {
  int64_t id = 0;              // store id of the message
  std::string firm_id;
  std::string channel;         // "sms" or "email"
  std::string purpose;         // reminder, change, cancellation, heartbeat, alarm, confirmation, forward
  std::string recipient;       // E.164 number or e-mail address
  std::string sender;          // alphanumeric sender (<= 11 chars) / number, or From address
  std::string subject;         // e-mail only
  std::string body;            // rendered text (SMS: already encoded by the SMS rules)
  std::string dlr_token;       // per-message secret for delivery receipts
  Instant deadline{};          // never deliver after this (the appointment start)
  std::string appointment_id;  // for the .ics attachment and reply matching
};

enum class SendStatus {
  kAccepted,   // the gateway / mail host took it
  kTransient,  // try again later (503, refused, timeout)
  kPermanent,  // never try again (403 not routable, 400, 5xx SMTP reply)
};

struct SendOutcome {
  SendStatus status = SendStatus::kTransient;
  std::string gateway_message_id;  // if the gateway returned one
  int segments = 0;                // SMS parts billed; 0 for e-mail
  std::string detail;              // gateway reply or error, kept as the reason
};

class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  virtual SendOutcome Send(const OutgoingMessage& message) = 0;
};

}  // namespace kehrbote
