#include "dispatcher/web/security_headers.h"

namespace kehrbote {

void AddSecurityHeaders(WebResponse& response, bool https) {
  auto& h = response.headers;
  // Static files set their own Cache-Control; pages are never cached.
  h.emplace_back("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  h.emplace_back("X-Frame-Options", "DENY");
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Referrer-Policy", "no-referrer");
  bool cache_set = false;
  for (const auto& [name, value] : h) cache_set = cache_set || name == "Cache-Control";
  if (!cache_set) h.emplace_back("Cache-Control", "no-store");
  if (https) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
}

}  // namespace kehrbote
