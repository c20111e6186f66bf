#include "dispatcher/http/reply_handler.h"

#include <algorithm>
#include <cctype>

#include "shared/log/logger.h"
#include "shared/phone/phone_number.h"

namespace kehrbote {

std::string_view ToString(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kStop: return "stop";
    case ReplyKind::kForwarded: return "forwarded";
    case ReplyKind::kUnknownSender: return "unknown";
    case ReplyKind::kInvalid: return "invalid";
  }
  return "?";
}

bool IsStopWord(const std::string& text) {
  std::string t;
  for (unsigned char c : text) {
    if (std::isspace(c) || c == '.' || c == '!') continue;
    t += static_cast<char>(std::toupper(c));
  }
  return t == "STOP" || t == "STOPP" || t == "ABMELDEN";
}

ReplyHandler::ReplyHandler(Database& db, Clock& clock, ReplyRouting routing)
    : db_(db), clock_(clock), store_(db), routing_(std::move(routing)) {}

ReplyKind ReplyHandler::Handle(const std::string& from, const std::string& to,
                               const std::string& text) {
  Instant now = clock_.Now();
  PhoneNumber number = ParseGatewayNumber(from);
  if (!number.valid()) {
    store_.RecordInbound("", from, to, text, "invalid", std::nullopt, now);
    return ReplyKind::kInvalid;
  }
  auto last = store_.LastSmsTo(number.e164);
  if (!last) {
    store_.RecordInbound("", number.e164, to, text, "unknown", std::nullopt, now);
    Log("reply").Info("reply from " + MaskPhoneNumber(number.e164) +
                      " matches no message sent; recorded only");
    return ReplyKind::kUnknownSender;
  }
  if (IsStopWord(text)) {
    store_.RecordInbound(last->firm_id, number.e164, to, text, "stop", last->id, now);
    if (store_.AddSuppression(last->firm_id, number.e164, "reply '" + text + "'", now)) {
      DeliveryStore::NewMessage m;
      m.firm_id = last->firm_id;
      m.appointment_id = "";
      m.appointment_version = 0;
      m.rule_id = "confirmation";
      m.purpose = MessagePurpose::kConfirmation;
      m.channel = ContactChannel::kSms;
      m.contact_key = number.e164;
      m.recipient = number.e164;
      m.sender = last->sender;
      m.body = "Sie erhalten von " + last->sender +
               " keine SMS-Erinnerungen mehr. Termine erfahren Sie weiterhin direkt vom Betrieb.";
      m.deadline = now + std::chrono::hours(24);
      store_.InsertMessage(m, now);
    }
    return ReplyKind::kStop;
  }
  int64_t inbound = store_.RecordInbound(last->firm_id, number.e164, to, text, "reply", last->id, now);
  std::vector<std::string> to_addresses;
  if (routing_.firm_reply_addresses) to_addresses = routing_.firm_reply_addresses(last->firm_id);
  for (const std::string& address : to_addresses) {
    DeliveryStore::NewMessage m;
    m.firm_id = last->firm_id;
    m.appointment_id = last->appointment_id;
    m.appointment_version = inbound;  // one forward per reply
    m.rule_id = "forward";
    m.purpose = MessagePurpose::kForward;
    m.channel = ContactChannel::kEmail;
    m.contact_key = address;
    m.recipient = address;
    m.sender = last->sender;
    std::string appointment = last->appointment_id.empty() ? "(kein Termin)" : last->appointment_id;
    m.subject = "SMS-Antwort von " + number.e164 + " zu Termin " + appointment;
    m.body = "Eine Kundin / ein Kunde hat auf eine SMS-Erinnerung geantwortet.\n\n"
             "Von: " + number.e164 + "\n"
             "Termin: " + appointment + "\n\n"
             "Antwort:\n" + text + "\n\n"
             "Beantwortete SMS:\n" + last->body + "\n";
    m.deadline = now + std::chrono::hours(72);
    store_.InsertMessage(m, now);
  }
  return ReplyKind::kForwarded;
}

}  // namespace kehrbote
