// HostKeyPin: decides whether the host key a server presented is the pinned one.
//
// Two pin forms (see SftpEndpoint): an OpenSSH known_hosts file, checked with
// libssh2_knownhost_checkp using "[host]:port" for ports other than 22 and the
// key-type bits of the presented key; or a "SHA256:..." fingerprint as
// `ssh-keygen -lf` prints it. The check runs BEFORE any credential is sent.
#pragma once

#include <string>
#include <string_view>

#include "shared/sftp/sftp_endpoint.h"

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace kehrbote {

// The key a server presented during the handshake.
struct PresentedHostKey {
  std::string type;         // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
  std::string fingerprint;  // "SHA256:<base64 without padding>"
};

// Reads the presented key of an (already handshaken) session.
PresentedHostKey ReadPresentedHostKey(LIBSSH2_SESSION* session);

// "SHA256:<base64 without padding>" of a raw SSH public key blob.
std::string Sha256Fingerprint(std::string_view key_blob);

class HostKeyPin {
 public:
  // Throws SftpError(kHostKey) if the endpoint has no pin or both forms.
  explicit HostKeyPin(const SftpEndpoint& endpoint);

  // Throws SftpError(kHostKey) unless the session's host key matches the pin. The
  // message contains the fingerprint seen and the one expected (or says that the
  // known_hosts file has no entry for "[host]:port").
  void Verify(LIBSSH2_SESSION* session) const;

 private:
  SftpEndpoint endpoint_;
};

}  // namespace kehrbote
