// PortalContext: what the portal's pages read from (shared by all request
// threads; everything here is thread-safe or read-only after start).
#pragma once

#include <string>

#include "dispatcher/store/database.h"
#include "dispatcher/web/account_store.h"
#include "dispatcher/web/firm_directory.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct PortalContext {
  Database& db;
  const Clock& clock;
  AccountStore& accounts;
  FirmDirectory firms;
  std::string operator_zone = "Europe/Vienna";
  double price_per_segment = 0.09;
  std::string currency = "EUR";
};

}  // namespace kehrbote
