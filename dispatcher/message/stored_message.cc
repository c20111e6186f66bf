#include "dispatcher/message/stored_message.h"

#include <array>

#include "dispatcher/message/message_channel_name.h"

namespace kehrbote {
namespace {

Instant At(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

// One column: its name in the table and how its value lands in StoredMessage.
// NULL reads as 0 / "" (sql_connection.h): dlr_token "" and sent_at the epoch
// before the first send, last_error "" without one.
struct Column {
  const char* name;
  void (*read)(const SqlStatement& q, int col, StoredMessage& m);
};

// Indexed by MessageColumn.
constexpr std::array<Column, static_cast<std::size_t>(MessageColumn::kCount)> kColumns = {{
    {"id", [](const SqlStatement& q, int col, StoredMessage& m) { m.id = q.Int(col); }},
    {"firm_id", [](const SqlStatement& q, int col, StoredMessage& m) { m.firm_id = q.Text(col); }},
    {"appointment_id",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.appointment_id = q.Text(col); }},
    {"appointment_version",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.appointment_version = q.Int(col); }},
    {"rule_id", [](const SqlStatement& q, int col, StoredMessage& m) { m.rule_id = q.Text(col); }},
    {"purpose", [](const SqlStatement& q, int col,
                   StoredMessage& m) { m.purpose = ParseMessagePurpose(q.TextView(col)); }},
    {"channel", [](const SqlStatement& q, int col,
                   StoredMessage& m) { m.channel = ParseMessageChannel(q.TextView(col)); }},
    {"contact_key",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.contact_key = q.Text(col); }},
    {"recipient",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.recipient = q.Text(col); }},
    {"sender", [](const SqlStatement& q, int col, StoredMessage& m) { m.sender = q.Text(col); }},
    {"subject", [](const SqlStatement& q, int col, StoredMessage& m) { m.subject = q.Text(col); }},
    {"body", [](const SqlStatement& q, int col, StoredMessage& m) { m.body = q.Text(col); }},
    {"segments", [](const SqlStatement& q, int col,
                    StoredMessage& m) { m.segments = static_cast<int>(q.Int(col)); }},
    {"due_at", [](const SqlStatement& q, int col, StoredMessage& m) { m.due = At(q.Int(col)); }},
    {"deadline_at",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.deadline = At(q.Int(col)); }},
    {"state", [](const SqlStatement& q, int col,
                 StoredMessage& m) { m.state = ParseMessageState(q.TextView(col)); }},
    {"attempts", [](const SqlStatement& q, int col,
                    StoredMessage& m) { m.attempts = static_cast<int>(q.Int(col)); }},
    {"dlr_token",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.dlr_token = q.Text(col); }},
    {"sent_at",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.sent_at = At(q.Int(col)); }},
    {"reason", [](const SqlStatement& q, int col, StoredMessage& m) { m.reason = q.Text(col); }},
    {"last_error",
     [](const SqlStatement& q, int col, StoredMessage& m) { m.last_error = q.Text(col); }},
}};

}  // namespace

std::string MessageColumns::SelectList(std::string_view alias) const {
  std::string out;
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (!has(static_cast<MessageColumn>(i))) continue;
    if (!out.empty()) out += ", ";
    if (!alias.empty()) {
      out += alias;
      out += '.';
    }
    out += kColumns[i].name;
  }
  return out;
}

StoredMessage ReadStoredMessage(const SqlStatement& q, MessageColumns columns, int first) {
  StoredMessage m;
  int col = first;
  for (std::size_t i = 0; i < kColumns.size(); ++i)
    if (columns.has(static_cast<MessageColumn>(i))) kColumns[i].read(q, col++, m);
  return m;
}

}  // namespace kehrbote
