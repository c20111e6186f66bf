// FirmDirectory: the firms the portal shows, with what pages need to format
// their data (name, zone, country, quota): the configured firms (firm files)
// plus every firm the store knows (firms table). Built for each request (one
// short query), so a firm whose first export arrives shows up at once in every
// `web` instance.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/store/database.h"

namespace kehrbote {

struct FirmInfo {
  std::string id, name, zone = "Europe/Vienna", country = "AT";
  int64_t quota_sms_per_month = 0;  // 0 = unlimited
};

// The firms of the firm files, as FirmInfo.
std::vector<FirmInfo> ConfiguredFirms(const DispatcherConfig& config);

class FirmDirectory {
 public:
  FirmDirectory() = default;
  // `configured`, then store firms not configured (their export header's
  // name, zone and country).
  FirmDirectory(const std::vector<FirmInfo>& configured, Database& db);
  void Add(FirmInfo firm) { firms_[firm.id] = std::move(firm); }

  bool Contains(const std::string& id) const { return firms_.count(id) > 0; }
  const FirmInfo& Get(const std::string& id) const { return firms_.at(id); }
  const std::map<std::string, FirmInfo>& all() const { return firms_; }

 private:
  std::map<std::string, FirmInfo> firms_;
};

}  // namespace kehrbote
