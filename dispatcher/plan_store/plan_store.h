// PlanStore: writes the planner's output to the `messages` and `skips` tables
// (migration component "planning") and reads what planning, heartbeat and the
// `plan` command need. SQL lives here so that dispatcher/planning stays pure.
//
// Tables (DISPATCHER.md):
//   messages(id, firm_id, appointment_id, appointment_version, rule_id, purpose,
//     channel, contact_key, recipient, sender, subject, body, segments, due_at,
//     deadline_at, state, attempts, next_attempt_at, last_error, gateway_message_id,
//     dlr_token, created_at, updated_at, sent_at, final_at, reason,
//     UNIQUE(firm_id, appointment_id, appointment_version, contact_key, rule_id))
//   skips(id, firm_id, appointment_id, appointment_version, rule_id, channel,
//     contact (masked), kind, reason, created_at,
//     UNIQUE(firm_id, appointment_id, appointment_version, rule_id, contact, kind))
//   planned_versions(firm_id, appointment_id, version, planned_at, PK(firm_id,
//     appointment_id, version)): versions whose plan is written (migration 2),
//     policy: the firm policy's fingerprint they were planned with (migration 3)
// Writes are idempotent: INSERT ... ON CONFLICT DO NOTHING on the UNIQUE keys,
// so two dispatchers (or a repeated pass) never plan one message twice.
// Methods taking a SqlConnection run on the caller's connection (inside its
// transaction, if any); the others take one of the Database's for the call.
// Cancelling only touches rows still 'planned' or 'held', so a message the outbox
// has claimed ('sending') is never cancelled under its feet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dispatcher/message/stored_message.h"
#include "dispatcher/planning/planned_message.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

inline constexpr const char* kPlanningComponent = "planning";
const std::vector<Migration>& PlanningMigrations();

struct SkipRow {
  std::string firm_id, appointment_id;
  int64_t appointment_version = 0;
  std::string rule_id, channel, contact, kind, reason;
  Instant created_at{};
};

struct PlanWriteResult {
  int planned = 0;    // rows inserted
  int cancelled = 0;  // rows set to 'cancelled' (superseded, cancelled, withdrawn)
  int replanned = 0;  // pending rows updated with the current policy
  int skipped = 0;    // skip rows inserted
};

class PlanStore {
 public:
  explicit PlanStore(Database& db) : db_(db) {}

  // Database::Migrate("planning", PlanningMigrations()).
  void Migrate();

  // What planning reads of a firm's messages, in one query: its appointment
  // messages (not heartbeats, alarms) by appointment id, and the fingerprint of
  // all its messages as MessageFingerprint gives it, from the same snapshot.
  struct FirmMessages {
    std::map<std::string, std::vector<ExistingMessage>> existing;
    std::pair<int64_t, int64_t> fingerprint{0, 0};
  };
  FirmMessages MessagesOfFirm(SqlConnection& c, std::string_view firm_id);
  // MessagesOfFirm(c, firm_id).existing.
  std::map<std::string, std::vector<ExistingMessage>> ExistingMessagesOfFirm(
      SqlConnection& c, std::string_view firm_id);
  // Ids of the firm's current appointment versions that start after `after` and
  // are not in planned_versions with policy fingerprint `policy` and the data
  // the version holds now (not refreshed in place since); reads STORE's
  // `appointments` table. MarkPlanned records planned versions after writing.
  std::vector<std::string> UnplannedAppointments(SqlConnection& c, std::string_view firm_id,
                                                 Instant after, std::string_view policy);
  struct PlannedVersion {
    std::string appointment_id;
    int64_t version = 0;
    std::string data_hash;  // StoredAppointment::data_hash of what was planned
  };
  void MarkPlanned(SqlConnection& c, std::string_view firm_id,
                   const std::vector<PlannedVersion>& versions, std::string_view policy,
                   Instant now);
  // Writes one plan inside the caller's transaction.
  PlanWriteResult Write(SqlConnection& c, const AppointmentPlan& plan, Instant now);
  // Writes many plans (one firm's pass or a heartbeat's): one prepared statement
  // per kind of write, run once per row in a SqlBatch (pipelined on PostgreSQL).
  PlanWriteResult WriteAll(SqlConnection& c, const std::vector<const AppointmentPlan*>& plans,
                           Instant now);
  // Inserts one message (heartbeat, alarm) in its own statement; false if it
  // existed already (UNIQUE key).
  bool InsertMessage(SqlConnection& c, const PlannedMessage& m, Instant now);

  // (number of messages, highest id) of a firm: changes when any is written.
  std::pair<int64_t, int64_t> MessageFingerprint(SqlConnection& c, std::string_view firm_id);
  // True if a message of this firm, appointment id and rule exists (any contact).
  bool HasMessage(std::string_view firm_id, std::string_view appointment_id,
                  std::string_view rule_id);

  // For `plan --firm`: all messages / skips of a firm, ordered by due_at / time.
  // The messages hold the columns `plan` lists (kListingColumns in the .cc).
  std::vector<StoredMessage> ListMessages(std::string_view firm_id);
  std::vector<SkipRow> ListSkips(std::string_view firm_id);

  // Heartbeat figures: messages of the firm due in [from, to) that are not
  // cancelled, and contacts skipped as invalid (landline, invalid number/e-mail)
  // in skips written in [from, to).
  int CountMessagesDue(std::string_view firm_id, Instant from, Instant to);
  int CountInvalidContacts(std::string_view firm_id, Instant from, Instant to);
  // Earliest due time (next_attempt_at, else due_at) of a 'planned' message
  // after `after`, for the run loop's timer.
  std::optional<Instant> NextDue(Instant after);

 private:
  Database& db_;
};

}  // namespace kehrbote
