// OutboxRow: a row of `messages` as the outbox and the delivery store read it
// (the message as its channel sends it, and what the claim and the quota need
// beside it), and the one function that reads it.
//
//   SqlStatement q(c, "SELECT " + OutboxRowColumns().SelectList("m") +
//                         " FROM messages m WHERE m.contact_key = ?");
//   while (q.Step()) Use(ReadOutboxRow(q));
//
// The columns and their conversions are the table's one mapping
// (dispatcher/message/stored_message.h); this selects the outbox's subset and
// turns it into an OutgoingMessage. Columns a query selects after them start
// at OutboxRowColumns().size(). Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/message/stored_message.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct OutboxRow {
  // id, firm, channel, purpose, recipient, sender, subject, body, receipt token
  // ("" before the first claim), deadline, appointment.
  OutgoingMessage message;
  int64_t appointment_version = 0;
  std::string rule_id, contact_key;
  MessageState state = MessageState::kPlanned;
  int attempts = 0;  // requests made so far
  Instant due{};
  Instant sent_at{};  // the epoch while not handed to a gateway
};

// The columns of `messages` ReadOutboxRow reads.
MessageColumns OutboxRowColumns();

// The row `q` is on, from its first OutboxRowColumns().size() columns.
OutboxRow ReadOutboxRow(const SqlStatement& q);

}  // namespace kehrbote
