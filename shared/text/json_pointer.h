// JSON Pointer (RFC 6901) building: the pointers that name the offending value in a
// refused export ("/appointments/7/customer/last_name"). Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

// Appends '/' and `token` (a member name or an array index) to `pointer`, with '~'
// written as "~0" and '/' as "~1" so that a member name holding them stays one token.
void AppendJsonPointerToken(std::string& pointer, std::string_view token);

}  // namespace kehrbote
