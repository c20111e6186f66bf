// OutboxRow: a row of `messages` as the outbox and the delivery store read
// it, and the one function that reads it.
//
//   SqlStatement q(c, std::string("SELECT ") + kOutboxRowColumns +
//                         " FROM messages m WHERE m.contact_key = ?");
//   while (q.Step()) Use(ReadOutboxRow(q));
//
// Columns a query selects after kOutboxRowColumns start at
// kOutboxRowColumnCount. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct OutboxRow {
  // id, firm, channel, purpose, recipient, sender, subject, body, receipt token
  // ("" before the first claim), deadline, appointment.
  OutgoingMessage message;
  int64_t appointment_version = 0;
  std::string rule_id, contact_key, state;
  int attempts = 0;  // requests made so far
  Instant due{};
  Instant sent_at{};  // the epoch while not handed to a gateway
};

// The columns ReadOutboxRow reads, in its order, of `messages` as alias m.
extern const char kOutboxRowColumns[];
inline constexpr int kOutboxRowColumnCount = 18;

// The row `q` is on, from its first kOutboxRowColumnCount columns.
OutboxRow ReadOutboxRow(const SqlStatement& q);

}  // namespace kehrbote
