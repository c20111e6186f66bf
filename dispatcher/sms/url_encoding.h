// Percent-encoding for query strings and form bodies (RFC 3986 unreserved kept).
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

// Every byte except A-Z a-z 0-9 - _ . ~ as %XX; so "+" becomes %2B and a
// space %20 (never "+", which Kannel and others read as a space).
std::string PercentEncode(std::string_view bytes);
// "%XX" and "+" (as a space) decoded; malformed escapes are kept as they are.
std::string PercentDecode(std::string_view text);

}  // namespace kehrbote
