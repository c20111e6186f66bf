// PortalContext: what the portal's pages read from (shared by all request
// threads; everything here is thread-safe or read-only after start).
#pragma once

#include <string>
#include <vector>

#include "dispatcher/store/database.h"
#include "dispatcher/web/account_store.h"
#include "dispatcher/web/firm_directory.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct PortalContext {
  Database& db;
  const Clock& clock;
  AccountStore& accounts;
  std::vector<FirmInfo> configured_firms;
  std::string operator_zone = "Europe/Vienna";
  double price_per_segment = 0.09;
  std::string currency = "EUR";

  // The firms as of now (firm_directory.h).
  FirmDirectory Firms() { return FirmDirectory(configured_firms, db); }
};

}  // namespace kehrbote
