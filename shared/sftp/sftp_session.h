// SftpSession: one logged-in SFTP connection (libssh2 1.10), used by the agent to
// deliver exports and by the dispatcher to pull them.
//
// Connect() opens TCP (bounded by connect_timeout), does the SSH handshake, checks
// the host key against the endpoint's pin BEFORE sending any credential, logs in
// (public key, then password if given) and starts the SFTP subsystem. Every later
// round trip is bounded by io_timeout. Any failure throws SftpError.
//
// Thread safety: none. A session (and libssh2 underneath) must only be used by one
// thread at a time; use one session per thread. Different sessions may be used in
// parallel from different threads (libssh2_init runs once, thread-safely).
//
// After an SftpError of kind kConnect (timeout, lost connection) the session is
// unusable: discard it and Connect() again. After kRemote (e.g. "no such file") it
// stays usable. The dispatcher may keep one session open across polls of many
// firms; it should call SendKeepalive() while idle.
//
// Remote paths are passed to the server as they are (absolute, or relative to the
// login directory).
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "shared/sftp/host_key_pin.h"
#include "shared/sftp/sftp_endpoint.h"
#include "shared/sftp/sftp_error.h"

namespace kehrbote {

struct RemoteEntry {
  std::string name;  // file name only, no directory
  uint64_t size = 0;
  bool is_regular = false;
  bool is_directory = false;
  int64_t mtime = 0;  // seconds since the epoch
};

struct AtomicUploadResult {
  std::string final_name;  // name inside remote_dir that the file got
  uint64_t bytes = 0;
};

// Connects without logging in and returns the key the server presents, so that an
// operator can pin it (`kehrbote-agent check`). No pin is needed on the endpoint.
PresentedHostKey FetchHostKey(const SftpEndpoint& endpoint);

class SftpSession {
 public:
  // Connects, verifies the host key, logs in, starts SFTP. Throws SftpError.
  static std::unique_ptr<SftpSession> Connect(const SftpEndpoint& endpoint);
  ~SftpSession();
  SftpSession(const SftpSession&) = delete;
  SftpSession& operator=(const SftpSession&) = delete;

  const SftpEndpoint& endpoint() const { return endpoint_; }
  const PresentedHostKey& host_key() const { return host_key_; }

  // Entries of `dir` without "." and "..", sorted by name.
  std::vector<RemoteEntry> List(const std::string& dir);
  // nullopt if `path` does not exist; throws on other errors.
  std::optional<RemoteEntry> Stat(const std::string& path);
  std::string Download(const std::string& path);
  // `size_hint`: the file's size as listed, 0 if unknown. libssh2 1.10 sends read
  // requests for the whole buffer it is given; a buffer fitted to a small file
  // saves dozens of requests (and replies) per download.
  void Download(const std::string& path, std::ostream& out, uint64_t size_hint = 0);
  // Writes `in` to `path` (created or truncated, mode 0600). NOT atomic: a reader
  // may see a partial file. Returns the number of bytes written.
  uint64_t Upload(std::istream& in, const std::string& path);
  // Fails if `to` exists (OpenSSH's SFTP rename does not replace).
  void Rename(const std::string& from, const std::string& to);
  void Remove(const std::string& path);
  void MakeDirectory(const std::string& path, int mode = 0700);

  // Delivers `in` so that a reader of `remote_dir` never sees a partial final file:
  // writes "<final>.part" (pipelined, >= 1 MiB per libssh2 write call), fsyncs it
  // (fsync@openssh.com), checks its size with stat, then renames it to
  //   "<stem>-<seq><extension>"
  // with the smallest seq >= 1 whose name is free (libssh2 1.10 cannot ask for an
  // overwriting rename, and a plain rename onto an existing name fails, so the final
  // name is always new). On any failure the .part file is removed (best effort) and
  // SftpError is thrown; no final file exists then. `file_mode` is the mode the
  // file is created with (0600: exports hold personal data; 0640 lets a pull
  // account in the file's group read it; the server's umask may narrow it).
  AtomicUploadResult UploadAtomically(std::istream& in, const std::string& remote_dir,
                                      const std::string& stem,
                                      const std::string& extension, int file_mode = 0600);
  AtomicUploadResult UploadFileAtomically(const std::string& local_file,
                                          const std::string& remote_dir,
                                          const std::string& stem,
                                          const std::string& extension, int file_mode = 0600);

  // Sends an SSH keepalive if one is due (see SftpEndpoint::keepalive_interval);
  // call it while a session is held open but idle. Returns seconds until the next
  // one is due.
  int SendKeepalive();

 private:
  struct Handles;
  explicit SftpSession(const SftpEndpoint& endpoint);
  void RemoveQuietly(const std::string& path);  // best effort, for cleanup

  SftpEndpoint endpoint_;
  PresentedHostKey host_key_;
  std::unique_ptr<Handles> h_;
};

}  // namespace kehrbote
