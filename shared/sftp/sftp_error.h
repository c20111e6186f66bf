// SftpError: every failure of the SFTP layer. The message names the endpoint
// (host:port), the operation, the remote path (if any) and libssh2's message or the
// SFTP status, e.g.
//   "sftp 127.0.0.1:2222: rename /in/x.part -> /in/x.json: SFTP status 4 (failure)".
#pragma once

#include <stdexcept>
#include <string>

namespace kehrbote {

class SftpError : public std::runtime_error {
 public:
  enum class Kind {
    kConnect,   // TCP connect, SSH handshake, timeouts, lost connection
    kHostKey,   // host key unknown or different from the pin
    kAuth,      // login refused, unusable key (e.g. RSA)
    kRemote,    // an SFTP operation failed (see sftp_status)
    kLocal,     // reading/writing the local side failed
  };

  SftpError(Kind kind, const std::string& message, unsigned long sftp_status = 0)
      : std::runtime_error(message), kind_(kind), sftp_status_(sftp_status) {}

  Kind kind() const { return kind_; }
  // LIBSSH2_FX_* status for kRemote errors reported by the server, else 0.
  unsigned long sftp_status() const { return sftp_status_; }
  // True for errors a later retry may cure (connect, lost connection, remote);
  // false for host key and login problems, which need an operator.
  bool retryable() const { return kind_ == Kind::kConnect || kind_ == Kind::kRemote; }

 private:
  Kind kind_;
  unsigned long sftp_status_;
};

}  // namespace kehrbote
