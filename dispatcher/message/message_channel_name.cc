#include "dispatcher/message/message_channel_name.h"

#include <string>

#include "dispatcher/message/message_value_error.h"

namespace kehrbote {

ContactChannel ParseMessageChannel(std::string_view name) {
  if (std::optional<ContactChannel> channel = ParseContactChannel(name)) return *channel;
  throw MessageValueError("unknown message channel '" + std::string(name) +
                          "' (known: sms, email)");
}

}  // namespace kehrbote
