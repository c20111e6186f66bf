#include "dispatcher/web/overview_schema.h"

namespace kehrbote {

constexpr const char* kOverviewIndexes =
    "CREATE INDEX messages_heartbeat_due ON messages (due_at, firm_id, state) "
    "WHERE purpose = 'heartbeat';"
    "CREATE INDEX messages_failed_final ON messages (final_at, firm_id) "
    "WHERE state IN ('failed', 'expired');"
    "CREATE INDEX messages_sent_firm ON messages (sent_at, firm_id, channel)";

const std::vector<Migration>& OverviewMigrations() {
  static const std::vector<Migration> migrations = {
      {1, kOverviewIndexes, kOverviewIndexes},
  };
  return migrations;
}

}  // namespace kehrbote
