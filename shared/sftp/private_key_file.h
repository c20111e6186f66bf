// Inspects a private key file without decrypting it, to explain refusals that
// libssh2 itself reports only as "unable to extract public key" or a failed login.
// Internal to shared/sftp.
#pragma once

#include <string>

namespace kehrbote::sftp_internal {

// The SSH key type of a private key file: "ssh-ed25519", "ecdsa-sha2-nistp256",
// "ssh-rsa", ... Read from the OpenSSH format's unencrypted public part, from a PEM
// header ("RSA PRIVATE KEY", "EC PRIVATE KEY") or from "<file>.pub". Empty if unknown.
// Throws nothing; an unreadable file gives "".
std::string PrivateKeyType(const std::string& path);

}  // namespace kehrbote::sftp_internal
