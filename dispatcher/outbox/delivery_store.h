// DeliveryStore: the SQL behind delivery receipts, replies and the suppression
// list (tables of delivery_schema.h and planning's `messages`).
//
// Receipts move a message's state only forward:
//   sending|accepted --status 1 (delivered)--------------> delivered
//   sending|accepted --status 2/16 (failed/SMSC reject)--> failed (or expired if
//                                                          the SMSC says so)
//   status 4 (buffered) / 8 (SMSC ack): recorded, state unchanged.
//   planned, waiting for its receipt after a crash (settle_until set, see
//   outbox.h) --any receipt--> delivered | failed | expired, else accepted:
//   the gateway took the request the dead process never saw answered, so it
//   is not sent again.
// A receipt for an unknown token (forged) or for a message already final
// (replayed) changes nothing. Every move is checked against the transition
// table (dispatcher/message/message_transition.h, actor "receipt").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dispatcher/message/message_purpose.h"
#include "dispatcher/store/database.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

enum class ReceiptResult {
  kApplied,       // state moved forward
  kRecorded,      // intermediate status kept, state unchanged
  kIgnored,       // message already final (replay) or not yet sent
  kUnknownToken,  // no such message: forged or garbage
};
std::string_view ToString(ReceiptResult r);

// Kannel dlr-mask bits.
inline constexpr int kDlrDelivered = 1;
inline constexpr int kDlrFailed = 2;
inline constexpr int kDlrBuffered = 4;
inline constexpr int kDlrSmscAck = 8;
inline constexpr int kDlrSmscReject = 16;

struct SentMessage {
  int64_t id = 0;
  std::string firm_id, appointment_id, rule_id, sender, recipient, body, state;
  Instant sent_at{};
};

class DeliveryStore {
 public:
  explicit DeliveryStore(Database& db) : db_(db) {}

  // In a transaction of its own. The HTTP listener goes through ReceiptWriter,
  // which puts the receipts that come together into one transaction.
  ReceiptResult ApplyReceipt(const std::string& token, int status, const std::string& answer,
                             const std::string& smsc_message_id, Instant at);
  // The same within the caller's transaction on `c` (the caller commits).
  static ReceiptResult ApplyReceiptIn(SqlConnection& c, const std::string& token, int status,
                                      const std::string& answer, const std::string& smsc_message_id,
                                      Instant at);

  // The last SMS sent (accepted or later) to `e164`, any firm.
  std::optional<SentMessage> LastSmsTo(const std::string& e164);

  // True if newly added.
  bool AddSuppression(const std::string& firm_id, const std::string& contact_key,
                      const std::string& reason, Instant at);
  bool IsSuppressed(const std::string& firm_id, const std::string& contact_key);

  int64_t RecordInbound(const std::string& firm_id, const std::string& from,
                        const std::string& to, const std::string& text, const std::string& kind,
                        std::optional<int64_t> message_id, Instant at);

  // Inserts a message due at `at` (confirmation, forward); false if it exists
  // (UNIQUE key: firm, appointment, version, contact, rule).
  struct NewMessage {
    std::string firm_id, appointment_id;
    int64_t appointment_version = 0;
    std::string rule_id;
    MessagePurpose purpose = MessagePurpose::kConfirmation;
    ContactChannel channel = ContactChannel::kSms;
    std::string contact_key, recipient, sender, subject, body;
    Instant deadline{};
  };
  bool InsertMessage(const NewMessage& m, Instant at);
  // The same within the caller's transaction on `c` (in a SqlBatch on
  // PostgreSQL the answer is not known yet: false).
  static bool InsertMessage(SqlConnection& c, const NewMessage& m, Instant at);

  // For the firm's heartbeat and the operator alarm: messages waiting because
  // a gateway or mail host is down (planned again after a transient failure),
  // held by the quota, and the oldest such failure with its reason.
  struct Backlog {
    int64_t retrying = 0;
    int64_t held = 0;
    // due_at of the oldest retrying row: delivery has been stalled at least since then.
    std::optional<Instant> oldest_failure;
    std::string last_error;  // of that row
  };
  Backlog GetBacklog(const std::string& firm_id);

 private:
  Database& db_;
};

}  // namespace kehrbote
