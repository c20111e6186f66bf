// EffectivePolicy: a firm's policy as planning and the portal's preview use it.
// Zone, country, name and phone that the firm's settings do not set come from
// the header of the firm's last applied export (the office software knows them).
// Pure.
#pragma once

#include <optional>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/store/appointment_store.h"

namespace kehrbote {

FirmPolicy EffectivePolicy(const FirmConfig& firm, const std::optional<FirmRecord>& record);

}  // namespace kehrbote
