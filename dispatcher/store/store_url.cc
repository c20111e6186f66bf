#include "dispatcher/store/store_url.h"

#include <regex>

namespace kehrbote {

std::string MaskStoreUrl(std::string_view url) {
  static const std::regex key_value(R"(password\s*=\s*('[^']*'|\S+))");
  static const std::regex uri_user_info(R"(^(postgresql://[^:/@]*):[^@]*@)");
  const std::string masked = std::regex_replace(std::string(url), key_value, "password=*****");
  return std::regex_replace(masked, uri_user_info, "$1:*****@");
}

std::optional<std::string> PostgresConnectionString(std::string_view url) {
  constexpr std::string_view kScheme = "postgresql:";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  // libpq reads "postgresql://..." as a URI itself.
  if (url.substr(kScheme.size(), 2) == "//") return std::string(url);
  return std::string(url.substr(kScheme.size()));
}

}  // namespace kehrbote
