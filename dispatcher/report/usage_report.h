// Reports over the messages table: monthly usage per firm (what is billed) and
// the per-contact "SMS-Protokoll".
//
// Usage, per firm, for messages sent (accepted by the gateway) in the month,
// counted in the firm's zone:
//   sms_sent, segments            SMS handed to the gateway and their parts
//   delivered, delivered_segments SMS with a delivery receipt "delivered"
//   failed                        SMS failed or expired (sent or not)
//   emails                        e-mails accepted by the mail host
//   cost = delivered_segments * price_per_segment   (only delivered SMS are billed)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct FirmUsage {
  std::string firm_id;
  int64_t sms_sent = 0, segments = 0, delivered = 0, delivered_segments = 0, failed = 0,
          emails = 0;
  double cost = 0;
};

struct UsageQuery {
  int year = 0, month = 0;           // the month
  std::optional<std::string> firm;   // only this firm
  std::vector<std::string> known_firms;  // listed even without messages (configured firms)
  double price_per_segment = 0.09;
  // Zone of a firm for month boundaries (default Europe/Vienna).
  std::function<std::string(const std::string& firm_id)> zone;
};

std::vector<FirmUsage> QueryUsage(Database& db, const UsageQuery& query);
// format: table | csv | json
void WriteUsage(const std::vector<FirmUsage>& rows, const std::string& format,
                const std::string& currency, std::ostream& out);

struct ProtocolEntry {
  int64_t id = 0;
  Instant time{};          // sent_at, or due_at if never sent
  std::string channel, recipient, appointment_id, rule_id, text, state, detail;
  int segments = 0;
  bool possible_duplicate = false;
};

// Every message of the firm (to `contact_key` if given), oldest first.
std::vector<ProtocolEntry> QueryProtocol(Database& db, const std::string& firm_id,
                                         const std::optional<std::string>& contact_key);
// format: table | csv | json. Every form marks a possible duplicate (crash
// recovery): table "[possible duplicate]", JSON "possible_duplicate": true, CSV
// the last column `possible_duplicate` = "yes".
void WriteProtocol(const std::vector<ProtocolEntry>& rows, const std::string& format,
                   const std::string& zone, std::ostream& out);

}  // namespace kehrbote
