// Reads a stored enum name back: the value whose ToString is `name`, else a
// MessageValueError that names the column, the value and the names it knows.
// Shared by ParseMessageState and ParseMessagePurpose (internal to this directory).
#pragma once

#include <string>
#include <string_view>

#include "dispatcher/message/message_value_error.h"

namespace kehrbote::stored_name {

template <typename Enum, typename AllValues>
Enum Parse(std::string_view column, std::string_view name, const AllValues& all) {
  for (Enum value : all)
    if (ToString(value) == name) return value;
  std::string known;  // only on the error path: Parse runs per row read
  for (Enum value : all) known += (known.empty() ? "" : ", ") + std::string(ToString(value));
  throw MessageValueError("unknown " + std::string(column) + " '" + std::string(name) +
                          "' (known: " + known + ")");
}

}  // namespace kehrbote::stored_name
