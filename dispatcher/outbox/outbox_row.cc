#include "dispatcher/outbox/outbox_row.h"

#include "dispatcher/message/message_channel_name.h"

namespace kehrbote {

MessageColumns OutboxRowColumns() {
  using C = MessageColumn;
  return {C::kId,      C::kFirmId,  C::kAppointmentId, C::kAppointmentVersion, C::kRuleId,
          C::kPurpose, C::kChannel, C::kContactKey,    C::kRecipient,          C::kSender,
          C::kSubject, C::kBody,    C::kDeadlineAt,    C::kAttempts,           C::kDlrToken,
          C::kDueAt,   C::kState,   C::kSentAt};
}

OutboxRow ReadOutboxRow(const SqlStatement& q) {
  StoredMessage s = ReadStoredMessage(q, OutboxRowColumns());
  OutboxRow row;
  OutgoingMessage& m = row.message;
  m.id = s.id;
  m.firm_id = std::move(s.firm_id);
  m.appointment_id = std::move(s.appointment_id);
  m.purpose = ToString(s.purpose);
  m.channel = ToString(s.channel);
  m.recipient = std::move(s.recipient);
  m.sender = std::move(s.sender);
  m.subject = std::move(s.subject);
  m.body = std::move(s.body);
  m.deadline = s.deadline;
  m.dlr_token = std::move(s.dlr_token);
  row.appointment_version = s.appointment_version;
  row.rule_id = std::move(s.rule_id);
  row.contact_key = std::move(s.contact_key);
  row.state = s.state;
  row.attempts = s.attempts;
  row.due = s.due;
  row.sent_at = s.sent_at;
  return row;
}

}  // namespace kehrbote
