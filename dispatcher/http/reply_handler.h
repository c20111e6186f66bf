// ReplyHandler: what happens to an SMS a customer sends back (Kannel's
// sms-service get-url brings it to the dispatcher's HTTP listener).
//
//   "STOP", "STOPP", "ABMELDEN" (any case, surrounding spaces and punctuation
//   ignored): the number goes on the suppression list of the firm whose SMS it
//   answers (the last SMS sent to that number). It is confirmed once by SMS
//   (purpose 'confirmation', one per firm and number by the messages table's
//   UNIQUE key); from then on the outbox sends that number nothing else.
//   Anything else: forwarded by e-mail to the firm's reply addresses, with the
//   appointment it belongs to and the SMS it answers.
//   A reply to a number we never wrote to is recorded ('unknown') and dropped.
// Every inbound SMS is recorded in inbound_messages.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct ReplyRouting {
  // E-mail addresses that get forwarded replies of a firm (empty: none; the
  // reply is still recorded).
  std::function<std::vector<std::string>(const std::string& firm_id)> firm_reply_addresses;
};

enum class ReplyKind { kStop, kForwarded, kUnknownSender, kInvalid };
std::string_view ToString(ReplyKind kind);

class ReplyHandler {
 public:
  ReplyHandler(Database& db, Clock& clock, ReplyRouting routing);

  // `from`/`to` as Kannel gives them (digits, maybe with "+").
  ReplyKind Handle(const std::string& from, const std::string& to, const std::string& text);

 private:
  Database& db_;
  Clock& clock_;
  DeliveryStore store_;
  ReplyRouting routing_;
};

// True for STOP / STOPP / ABMELDEN (case-insensitive, trimmed, trailing "." or "!").
bool IsStopWord(const std::string& text);

}  // namespace kehrbote
