#include "dispatcher/outbox/outbox_row.h"

namespace kehrbote {

const char kOutboxRowColumns[] =
    "m.id, m.firm_id, m.appointment_id, m.appointment_version, m.rule_id, m.purpose, "
    "m.channel, m.contact_key, m.recipient, m.sender, m.subject, m.body, m.deadline_at, "
    "m.attempts, COALESCE(m.dlr_token, ''), m.due_at, m.state, COALESCE(m.sent_at, 0)";

OutboxRow ReadOutboxRow(const SqlStatement& q) {
  auto at = [&](int col) { return Instant(std::chrono::seconds(q.Int(col))); };
  OutboxRow row;
  OutgoingMessage& m = row.message;
  m.id = q.Int(0);
  m.firm_id = q.Text(1);
  m.appointment_id = q.Text(2);
  row.appointment_version = q.Int(3);
  row.rule_id = q.Text(4);
  m.purpose = q.Text(5);
  m.channel = q.Text(6);
  row.contact_key = q.Text(7);
  m.recipient = q.Text(8);
  m.sender = q.Text(9);
  m.subject = q.Text(10);
  m.body = q.Text(11);
  m.deadline = at(12);
  row.attempts = static_cast<int>(q.Int(13));
  m.dlr_token = q.Text(14);
  row.due = at(15);
  row.state = q.Text(16);
  row.sent_at = at(17);
  return row;
}

}  // namespace kehrbote
