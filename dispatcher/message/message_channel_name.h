// The `messages.channel` column: ContactChannel (shared/export/export_model.h)
// under its wire names "sms" and "email", the strings the store has always held.
// The export's ParseContactChannel returns nullopt for an unknown name (the
// export validator reports it); a stored channel is read strictly instead.
// Pure function; safe from any thread.
#pragma once

#include <string_view>

#include "shared/export/export_model.h"

namespace kehrbote {

// The channel of a stored name. Throws MessageValueError naming `name` for
// anything but "sms" and "email".
ContactChannel ParseMessageChannel(std::string_view name);

}  // namespace kehrbote
