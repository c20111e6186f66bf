// The delivery component's tables (migration component "delivery"), on top of
// planning's `messages` table:
//   messages  + claim_id TEXT      which claim (instance/sequence) set 'sending'
//             + lease_until BIGINT a 'sending' row of another instance is
//                                  recovered only after its lease ran out
//             + possible_duplicate INTEGER 0/1 (crash recovery, see docs/delivery.md)
//             + settle_until BIGINT  possibly in flight at a crash: sent again at
//                                  this time unless a receipt settles it first
//   suppressions(firm_id, contact_key, reason, created_at, confirmed_at)
//   receipts(message_id, status, answer, smsc_message_id, received_at)   every
//             accepted delivery receipt, for the protocol
//   inbound_messages(firm_id, from_number, to_number, text, kind, message_id,
//             received_at)                                               replies
//   delivery_alerts(firm_id, kind, text, created_at, reported_at)        what the
//             firm's heartbeat must tell (quota reached, held messages)
#pragma once

#include <vector>

#include "dispatcher/store/database.h"

namespace kehrbote {

inline constexpr const char* kDeliveryComponent = "delivery";
const std::vector<Migration>& DeliveryMigrations();

}  // namespace kehrbote
