#include "dispatcher/settings/effective_policy.h"

namespace kehrbote {

FirmPolicy EffectivePolicy(const FirmConfig& firm, const std::optional<FirmRecord>& record) {
  FirmPolicy p = firm.policy;
  if (record) {
    if (!firm.timezone_set && !record->firm.timezone.empty()) p.timezone = record->firm.timezone;
    if (!firm.country_set && !record->firm.country.empty()) p.country = record->firm.country;
    if (p.firm_name.empty()) p.firm_name = record->firm.name;
    if (p.firm_phone.empty()) p.firm_phone = record->firm.phone;
  }
  return p;
}

}  // namespace kehrbote
