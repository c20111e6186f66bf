// Test support: a throwaway OpenSSH sshd on 127.0.0.1 for the SFTP integration tests
// (agent upload, dispatcher pull, end-to-end).
//
// The constructor prepares a private temp dir with a generated ed25519 host key, an
// ed25519 client key listed in authorized_keys, a known_hosts file for
// "[127.0.0.1]:port" and an sshd_config (Subsystem sftp internal-sftp, StrictModes
// no, PidFile none, key login for the current user, root). Start() runs
// `/usr/sbin/sshd -D -e -f <config>` (tests run as root) and waits, bounded, until
// the port accepts. Stop() kills the listener and every session it forked, so the
// server is really down. Start() again reuses the same port ("server down, then
// back"). RotateHostKey() makes a new host key (restarting a running server), so
// the known_hosts file and fingerprint() of before no longer match.
//
// Files uploaded by a client land under data_root(); RemotePath("inbox") is how a
// client names data_root()/inbox (absolute path, or "/inbox" with chroot).
#pragma once

#include <memory>
#include <string>

#include "shared/sftp/sftp_endpoint.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

struct SshdOptions {
  // ChrootDirectory the user into data_root(). sshd demands root-owned, not
  // group/world-writable path components, so the data root then lives under
  // /var/lib instead of /tmp.
  bool chroot = false;
};

class SshdServer {
 public:
  explicit SshdServer(SshdOptions options = {});  // prepares, does not start
  ~SshdServer();                                  // stops, removes the temp dir
  SshdServer(const SshdServer&) = delete;
  SshdServer& operator=(const SshdServer&) = delete;

  void Start();  // throws std::runtime_error (with the sshd log) if it does not come up
  void Stop();
  bool running() const { return running_; }
  // New ed25519 host key; restarts the server if it runs. known_hosts_path() and
  // fingerprint() stay those of the OLD key (the pin clients have) unless
  // `update_known_hosts`; current_fingerprint() is the new one.
  void RotateHostKey(bool update_known_hosts = false);

  std::string host() const { return "127.0.0.1"; }
  int port() const { return port_; }
  std::string user() const { return user_; }
  std::string client_key_path() const;   // private key file, ed25519, authorized
  std::string known_hosts_path() const;  // "[127.0.0.1]:port ssh-ed25519 ..."
  std::string fingerprint() const;          // pinned host key, "SHA256:..."
  std::string current_fingerprint() const;  // key the server presents now
  std::string data_root() const { return data_root_; }
  std::string RemotePath(const std::string& relative) const;
  std::string log_path() const;  // sshd -e output, for diagnostics
  std::string LogTail() const;   // last lines of the log

  // Generates another client key ("ed25519", "ecdsa", "rsa") named `name` in the
  // temp dir; if `authorize`, adds it to authorized_keys. Returns the key path.
  std::string GenerateClientKey(const std::string& name, const std::string& type,
                                bool authorize);

  // An endpoint for the authorized client key, pinned by the known_hosts file.
  SftpEndpoint Endpoint() const;

 private:
  void GenerateHostKey();
  void WriteConfig();
  void WriteKnownHosts();
  void StartOnce();

  SshdOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<TempDir> chroot_dir_;
  std::string pinned_fingerprint_;
  bool ever_started_ = false;
  std::string data_root_;
  std::string user_;
  int port_ = 0;
  bool running_ = false;
  ChildProcess child_;
};

}  // namespace kehrbote::test
