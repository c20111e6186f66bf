// FirmStatus: one overview row per firm, and its traffic light.
//
// QueryFirmStatus reads, with six grouped queries over all firms (not one per
// firm: 1,000 firms must take well under 200 ms), each on an index:
//   firms: last export applied / last refused;
//   heartbeats due in the last 24 h by state (partial index messages_heartbeat_due);
//   messages failed or expired (final_at) in the last 24 h (messages_failed_final);
//   SMS sent since the month began in the operator's zone (index-only on
//     messages_sent_firm);
//   held messages; delivery alerts not yet reported (open alarms).
//
// Light (pure, TrafficLight):
//   red     no export yet, last export older than 48 h, the newest file was
//           refused, or a heartbeat of the last 24 h failed
//   yellow  last export older than 26 h (one daily export missed), failed or
//           expired messages, held messages, open alarms, or quota >= 90 %
//   green   otherwise
// with the first reason in German ("Export seit 3 Tagen nicht erhalten").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/store/database.h"
#include "dispatcher/web/firm_directory.h"
#include "shared/time/clock.h"

namespace kehrbote {

enum class Light { kGreen, kYellow, kRed };
std::string ToGerman(Light light);  // "grün", "gelb", "rot"

struct FirmStatus {
  FirmInfo firm;
  std::optional<Instant> last_export, last_rejected;
  int64_t heartbeat_planned = 0, heartbeat_sent = 0, heartbeat_delivered = 0,
          heartbeat_failed = 0;
  int64_t failed_24h = 0, held = 0, sms_this_month = 0, open_alarms = 0;
  Light light = Light::kGreen;
  std::string reason;  // why not green
};

// Sets status.light and status.reason.
void TrafficLight(FirmStatus& status, Instant now);

// Every firm of `firms`, sorted by id, with light and reason set.
std::vector<FirmStatus> QueryFirmStatus(Database& db, const FirmDirectory& firms, Instant now,
                                        const std::string& operator_zone);

}  // namespace kehrbote
