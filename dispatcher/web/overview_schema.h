// The overview's indexes (migration component "web_overview") on planning's
// messages table, which FirmStatus (firm_status.h) reads:
//
//   messages_heartbeat_due (due_at, firm_id, state) WHERE purpose = 'heartbeat'
//   messages_failed_final  (final_at, firm_id) WHERE state IN ('failed', 'expired')
//   messages_sent_firm     (sent_at, firm_id, channel)
//
// No tables of its own. Run after the planning migrations (DispatcherMigrations
// orders them so).
#pragma once

#include <vector>

#include "dispatcher/store/database.h"

namespace kehrbote {

inline constexpr const char* kOverviewComponent = "web_overview";
const std::vector<Migration>& OverviewMigrations();

}  // namespace kehrbote
