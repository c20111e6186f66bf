// StoredMessage: a row of the `messages` table as the dispatcher reads it, and
// the one place that maps the table's columns to it: which columns there are,
// how each is selected, and how its value converts (NULL, unix seconds to
// Instant, the stored names of state, purpose and channel to their enums).
//
// A reader selects only the columns its purpose needs, as a MessageColumns set;
// the set decides both the select list and what ReadStoredMessage reads, in
// the one fixed order of MessageColumn, so a query and its reader cannot
// disagree and no purpose spells a column or a conversion of its own:
//
//   constexpr MessageColumns kListing{MessageColumn::kId, MessageColumn::kState};
//   SqlStatement q(c, "SELECT " + kListing.SelectList("m") + ", x FROM messages m ...");
//   while (q.Step()) {
//     StoredMessage s = ReadStoredMessage(q, kListing);
//     Use(s, q.Int(kListing.size()));  // what the query selects after the set
//   }
//
// Fields of columns not in the set keep their defaults. An unknown stored name
// of state, purpose or channel throws MessageValueError naming it (never read
// as a default). Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "dispatcher/message/message_purpose.h"
#include "dispatcher/message/message_state.h"
#include "dispatcher/store/sql_connection.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

// The columns of `messages` the dispatcher reads; the order is the order of a
// select list and of reading.
enum class MessageColumn : unsigned {
  kId,
  kFirmId,
  kAppointmentId,
  kAppointmentVersion,
  kRuleId,
  kPurpose,
  kChannel,
  kContactKey,
  kRecipient,
  kSender,
  kSubject,
  kBody,
  kSegments,
  kDueAt,
  kDeadlineAt,
  kState,
  kAttempts,
  kDlrToken,
  kSentAt,
  kReason,
  kLastError,
  kCount,  // not a column
};

struct StoredMessage {
  int64_t id = 0;
  std::string firm_id, appointment_id;
  int64_t appointment_version = 0;
  std::string rule_id;
  MessagePurpose purpose = MessagePurpose::kReminder;
  ContactChannel channel = ContactChannel::kSms;
  std::string contact_key, recipient, sender, subject, body;
  int segments = 0;
  Instant due{};
  Instant deadline{};  // the epoch: none
  MessageState state = MessageState::kPlanned;
  int attempts = 0;       // requests made so far
  std::string dlr_token;  // "" before the first claim
  Instant sent_at{};      // the epoch while not handed to a gateway
  std::string reason, last_error;
};

// A set of MessageColumn (a purpose's subset of the row).
class MessageColumns {
 public:
  constexpr MessageColumns() = default;
  constexpr MessageColumns(std::initializer_list<MessageColumn> columns) {
    for (MessageColumn c : columns) bits_ |= Bit(c);
  }
  // Every column.
  static constexpr MessageColumns All() {
    MessageColumns all;
    all.bits_ = Bit(MessageColumn::kCount) - 1;
    return all;
  }

  constexpr bool has(MessageColumn c) const { return (bits_ & Bit(c)) != 0; }
  // Columns in the set: the first column a query selects after them.
  constexpr int size() const {
    int n = 0;
    for (uint32_t b = bits_; b != 0; b &= b - 1) ++n;
    return n;
  }
  // "m.id, m.firm_id, ..." in MessageColumn order; `alias` "" for none.
  std::string SelectList(std::string_view alias = "") const;

 private:
  static constexpr uint32_t Bit(MessageColumn c) { return uint32_t{1} << static_cast<unsigned>(c); }
  uint32_t bits_ = 0;
};

// The row `q` is on, from its columns `first`, first + 1, ... as selected by
// `columns.SelectList()`.
StoredMessage ReadStoredMessage(const SqlStatement& q, MessageColumns columns, int first = 0);

}  // namespace kehrbote
