// ManualSendService: the Manual send page's two steps over the store.
//
//   Prepare  reads the firm's appointments the filter covers and returns the
//            plan (manual_send.h): each recipient with its text, segments and
//            price, the contacts left out, the totals, and the send id. No writes.
//   Confirm  plans again (the data may have changed since Prepare) and, in one
//            transaction under the firm's lock, records the send in
//            manual_sends and enqueues one 'planned' SMS per sendable
//            recipient in the messages table (PlanStore::InsertMessage), the
//            same outbox the reminders go through: durable, quota, suppression
//            list, receipts, retries, `report protocol`. Due now, or at the end
//            of the firm's quiet hours; deadline 24 h later.
//            Idempotent: a send id confirmed before enqueues nothing (the
//            result says so), and the messages' UNIQUE key (firm, "manual:<id>",
//            0, number, "manual") is the second line of defence between
//            dispatchers on one PostgreSQL.
//
// Table (migration component "manual_send"):
//   manual_sends(firm_id, send_id, author, text, request (JSON of the filter;
//     numbers masked), messages, segments, confirmed_at,
//     PRIMARY KEY(firm_id, send_id))
// The messages: appointment_id "manual:<send_id>", appointment_version 0,
// rule_id and purpose "manual", sender the firm's sender_name.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dispatcher/manual_send/manual_send.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

inline constexpr const char* kManualSendComponent = "manual_send";
const std::vector<Migration>& ManualSendMigrations();
inline constexpr std::string_view kRuleManual = "manual";

struct ManualSendResult {
  ManualSendPlan plan;
  bool already_confirmed = false;  // the send id was confirmed before: nothing enqueued
  int enqueued = 0;                // messages written now
};

class ManualSendService {
 public:
  explicit ManualSendService(Database& db) : db_(db) {}

  // The store, planning and this component's tables.
  void Migrate();

  // `firm`: the firm's effective policy (EffectivePolicy).
  ManualSendPlan Prepare(const FirmPolicy& firm, const ManualSendRequest& request,
                         const SmsPrice& price, Instant now);
  ManualSendResult Confirm(const FirmPolicy& firm, const ManualSendRequest& request,
                           const SmsPrice& price, const std::string& author, Instant now);

 private:
  Database& db_;
};

}  // namespace kehrbote
