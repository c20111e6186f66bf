#include "dispatcher/outbox/delivery_schema.h"

#include <string>

namespace kehrbote {
namespace {

std::string Tables(const std::string& id) {
  return "ALTER TABLE messages ADD COLUMN claim_id TEXT;"
         "ALTER TABLE messages ADD COLUMN lease_until BIGINT;"
         "ALTER TABLE messages ADD COLUMN possible_duplicate INTEGER NOT NULL DEFAULT 0;"
         "CREATE INDEX messages_state_next ON messages (state, next_attempt_at);"
         "CREATE INDEX messages_dlr_token ON messages (dlr_token);"
         "CREATE INDEX messages_contact ON messages (contact_key, sent_at);"
         "CREATE TABLE suppressions (firm_id TEXT NOT NULL, contact_key TEXT NOT NULL, "
         "reason TEXT NOT NULL, created_at BIGINT NOT NULL, confirmed_at BIGINT, "
         "PRIMARY KEY (firm_id, contact_key));"
         "CREATE TABLE receipts (id " + id + ", message_id BIGINT NOT NULL, "
         "status INTEGER NOT NULL, answer TEXT NOT NULL, smsc_message_id TEXT NOT NULL, "
         "received_at BIGINT NOT NULL);"
         "CREATE INDEX receipts_message ON receipts (message_id);"
         "CREATE TABLE inbound_messages (id " + id + ", firm_id TEXT NOT NULL, "
         "from_number TEXT NOT NULL, to_number TEXT NOT NULL, text TEXT NOT NULL, "
         "kind TEXT NOT NULL, message_id BIGINT, received_at BIGINT NOT NULL);"
         "CREATE TABLE delivery_alerts (id " + id + ", firm_id TEXT NOT NULL, "
         "kind TEXT NOT NULL, text TEXT NOT NULL, created_at BIGINT NOT NULL, "
         "reported_at BIGINT)";
}

constexpr const char* kPartialSendIndexes =
    "DROP INDEX messages_dlr_token;"
    "DROP INDEX messages_contact;"
    "CREATE INDEX messages_dlr_token ON messages (dlr_token) WHERE dlr_token IS NOT NULL;"
    "CREATE INDEX messages_contact ON messages (contact_key, sent_at) WHERE sent_at IS NOT NULL";

constexpr const char* kBacklogIndexes =
    "CREATE INDEX messages_retrying ON messages (firm_id, due_at) "
    "WHERE state = 'planned' AND attempts > 0;"
    "CREATE INDEX messages_held_firm ON messages (firm_id) WHERE state = 'held'";

}  // namespace

const std::vector<Migration>& DeliveryMigrations() {
  static const std::vector<Migration> m = {
      {1, Tables("INTEGER PRIMARY KEY AUTOINCREMENT"), Tables("BIGSERIAL PRIMARY KEY")},
      // The send window of the claiming process: how many of a claim's rows
      // can have been in flight at a crash.
      {2, "ALTER TABLE messages ADD COLUMN claim_window INTEGER NOT NULL DEFAULT 1",
       "ALTER TABLE messages ADD COLUMN claim_window INTEGER NOT NULL DEFAULT 1"},
      // The claim walks due rows in due order and stops after its batch; without
      // this index every claim read and sorted all planned rows. It also serves
      // NextDue, so (state, next_attempt_at) goes: one index less to update per
      // state change.
      {3, "DROP INDEX messages_state_next;"
          "CREATE INDEX messages_claim ON messages (state, COALESCE(next_attempt_at, due_at))",
       "DROP INDEX messages_state_next;"
       "CREATE INDEX messages_claim ON messages (state, (COALESCE(next_attempt_at, due_at)))"},
      // Every state change of a message updated both indexes that start with
      // `state` (planning's messages_due and messages_claim): two index entries
      // moved per UPDATE, twice per SMS, ~4 KB more WAL to write per SMS. The
      // lookups by state only ever ask for one state ('planned' by due time,
      // 'held' by id, 'accepted' SMS counted), so partial indexes of those
      // states serve them, and a row enters or leaves each at most once.
      // messages_due (state, due_at) had no query of its own left.
      {4, "DROP INDEX messages_claim;"
          "DROP INDEX messages_due;"
          "CREATE INDEX messages_claim ON messages (COALESCE(next_attempt_at, due_at)) "
          "WHERE state = 'planned';"
          "CREATE INDEX messages_held ON messages (id) WHERE state = 'held';"
          "CREATE INDEX messages_accepted ON messages (channel) WHERE state = 'accepted'",
       "DROP INDEX messages_claim;"
       "DROP INDEX messages_due;"
       "CREATE INDEX messages_claim ON messages ((COALESCE(next_attempt_at, due_at))) "
       "WHERE state = 'planned';"
       "CREATE INDEX messages_held ON messages (id) WHERE state = 'held';"
       "CREATE INDEX messages_accepted ON messages (channel) WHERE state = 'accepted'"},
      // Planning writes every message with dlr_token and sent_at still NULL,
      // yet each went into both indexes: two of the six index entries per
      // planned row, on the store's one writer. The lookups only ever ask for
      // a token (= ?) and for sent messages (sent_at IS NOT NULL), so a message
      // now enters each index when it is sent, once.
      {5, kPartialSendIndexes, kPartialSendIndexes},
      // The heartbeat asks every pass, for every firm, how many of its messages
      // wait for a retry or are held; that read all of the firm's messages,
      // more with every day of history. A message is in these only while it
      // waits (a transient failure sent it back to 'planned'; held by quota).
      {6, kBacklogIndexes, kBacklogIndexes},
      // A message possibly in flight at a crash waits until settle_until for
      // its delivery receipt before it is sent again (Outbox::RecoverInterrupted);
      // NULL for every other row.
      {7, "ALTER TABLE messages ADD COLUMN settle_until BIGINT",
       "ALTER TABLE messages ADD COLUMN settle_until BIGINT"},
  };
  return m;
}

}  // namespace kehrbote
