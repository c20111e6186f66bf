// Base64 as used in OpenSSH files and fingerprints. Internal to shared/sftp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kehrbote::sftp_internal {

// Standard alphabet; `pad` adds '=' (fingerprints are printed without).
std::string Base64Encode(std::string_view data, bool pad);
// Ignores whitespace; nullopt on any other non-alphabet character.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace kehrbote::sftp_internal
