// SftpEndpoint: where and how to reach an SFTP drop. Plain data, filled from the
// agent's or the dispatcher's config.
//
// Login: public key (Ed25519 or ECDSA). libssh2 1.10 cannot sign with rsa-sha2-256/512,
// and current OpenSSH refuses the old ssh-rsa (SHA-1) signatures, so an RSA user key
// is rejected before connecting with an explanatory SftpError. A password may be
// given instead of or in addition to a key (tried after the key).
//
// Host key pin: exactly one of known_hosts_file (OpenSSH format; entries for ports
// other than 22 are written "[host]:port") or host_key_fingerprint
// ("SHA256:<base64 without padding>", as `ssh-keygen -lf` prints it) must be set.
// An endpoint with neither refuses to connect (there is no trust-on-first-use).
#pragma once

#include <chrono>
#include <string>

namespace kehrbote {

struct SftpEndpoint {
  std::string host;
  int port = 22;
  std::string user;

  std::string private_key_file;  // OpenSSH private key (Ed25519 / ECDSA)
  std::string passphrase;        // of the private key; empty if none
  std::string password;          // optional password login

  std::string known_hosts_file;      // pin form 1
  std::string host_key_fingerprint;  // pin form 2: "SHA256:..."

  // Bound for TCP connect; bound for every single SSH/SFTP round trip afterwards.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds io_timeout{60'000};
  // Interval of SSH keepalive messages (sent by SftpSession::SendKeepalive while
  // idle); 0 disables them.
  std::chrono::seconds keepalive_interval{30};

  // "user@host:port", for messages.
  std::string Describe() const;
};

}  // namespace kehrbote
