// JSON string literals (RFC 8259): the one escaping routine for the places that
// write JSON text by hand for speed (export writer, stored appointment JSON, HTTP
// gateway body templates). Input is UTF-8 and passes through unchanged except for
// '"', '\\' and control characters.
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

// Appends `s` escaped, without the surrounding quotes.
void AppendJsonEscaped(std::string& out, std::string_view s);
// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);
// `s` as a quoted JSON string.
std::string JsonQuote(std::string_view s);

}  // namespace kehrbote
