#include "shared/sftp/sftp_session.h"

#include <libssh2.h>
#include <libssh2_sftp.h>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "shared/env/env.h"
#include "shared/sftp/private_key_file.h"

namespace kehrbote {
namespace {

// libssh2 1.10 pipelines only what one libssh2_sftp_write / _read call is given
// (in 30000-byte SFTP packets). Every write call gets between kWindow/2 and kWindow
// bytes, i.e. dozens of requests in flight, which is what keeps a long fat pipe full.
constexpr size_t kWindow = 4 << 20;
constexpr size_t kReadChunk = 2 << 20;

std::once_flag g_libssh2_init;

void InitLibssh2() {
  std::call_once(g_libssh2_init, [] { libssh2_init(0); });
}

std::string Prefix(const SftpEndpoint& e) {
  return "sftp " + e.host + ":" + std::to_string(e.port) + ": ";
}

const char* SftpStatusName(unsigned long status) {
  switch (status) {
    case LIBSSH2_FX_OK: return "ok";
    case LIBSSH2_FX_EOF: return "end of file";
    case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
    case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
    case LIBSSH2_FX_FAILURE: return "failure";
    case LIBSSH2_FX_BAD_MESSAGE: return "bad message";
    case LIBSSH2_FX_NO_CONNECTION: return "no connection";
    case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
    case LIBSSH2_FX_OP_UNSUPPORTED: return "operation unsupported";
    case LIBSSH2_FX_INVALID_HANDLE: return "invalid handle";
    case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
    case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
    case LIBSSH2_FX_NO_MEDIA: return "no media";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space on file system";
    case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
    default: return "unknown status";
  }
}

std::string JoinRemote(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// Connects TCP to the endpoint within its connect_timeout (Env: non-blocking
// connect, TCP_NODELAY). Throws SftpError kConnect.
std::unique_ptr<TcpSocket> ConnectTcp(const SftpEndpoint& e) {
  try {
    return Env::Default().ConnectTcp(e.host, e.port, e.connect_timeout);
  } catch (const EnvError& error) {
    throw SftpError(SftpError::Kind::kConnect, Prefix(e) + error.what());
  }
}

// libssh2_socket_t is int on POSIX and SOCKET on Windows; the native handle fits both.
libssh2_socket_t SocketOf(const TcpSocket& socket) {
  return static_cast<libssh2_socket_t>(socket.native_handle());
}

std::string LastSessionError(LIBSSH2_SESSION* s) {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(s, &msg, &len, 0);
  std::string text = (msg != nullptr && len > 0) ? std::string(msg, len) : "unknown error";
  return text + " (libssh2 error " + std::to_string(code) + ")";
}

}  // namespace

struct SftpSession::Handles {
  std::unique_ptr<TcpSocket> sock;  // closed after the session is freed
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_SFTP* sftp = nullptr;

  ~Handles() {
    if (session != nullptr) {
      // A dead peer must not hold up the destructor for the full io_timeout.
      libssh2_session_set_timeout(session, 2000);
      if (sftp != nullptr) libssh2_sftp_shutdown(sftp);
      libssh2_session_disconnect(session, "bye");
      libssh2_session_free(session);
    }
  }

  // TCP connect, SSH handshake; bounded by the endpoint's timeouts.
  void Open(const SftpEndpoint& e) {
    InitLibssh2();
    sock = ConnectTcp(e);
    session = libssh2_session_init();
    if (session == nullptr) {
      throw SftpError(SftpError::Kind::kConnect, Prefix(e) + "libssh2_session_init failed");
    }
    libssh2_session_set_blocking(session, 1);
    libssh2_session_set_timeout(session, static_cast<long>(e.io_timeout.count()));
    if (libssh2_session_handshake(session, SocketOf(*sock)) != 0) {
      throw SftpError(SftpError::Kind::kConnect,
                      Prefix(e) + "SSH handshake failed: " + LastSessionError(session));
    }
  }
};

// ---------------------------------------------------------------------------
// Errors

namespace {

[[noreturn]] void Fail(const SftpEndpoint& e, LIBSSH2_SESSION* session, LIBSSH2_SFTP* sftp,
                       const std::string& what) {
  int code = libssh2_session_last_errno(session);
  if (code == LIBSSH2_ERROR_SFTP_PROTOCOL && sftp != nullptr) {
    unsigned long status = libssh2_sftp_last_error(sftp);
    throw SftpError(SftpError::Kind::kRemote,
                    Prefix(e) + what + ": SFTP status " + std::to_string(status) + " (" +
                        SftpStatusName(status) + ")",
                    status);
  }
  throw SftpError(SftpError::Kind::kConnect, Prefix(e) + what + ": " + LastSessionError(session));
}

struct HandleCloser {
  void operator()(LIBSSH2_SFTP_HANDLE* h) const { libssh2_sftp_close_handle(h); }
};
using HandlePtr = std::unique_ptr<LIBSSH2_SFTP_HANDLE, HandleCloser>;

}  // namespace

// ---------------------------------------------------------------------------
// Connecting

PresentedHostKey FetchHostKey(const SftpEndpoint& endpoint) {
  struct Local {
    std::unique_ptr<TcpSocket> sock;  // closed after the session is freed
    LIBSSH2_SESSION* session = nullptr;
    ~Local() {
      if (session != nullptr) {
        libssh2_session_set_timeout(session, 2000);
        libssh2_session_disconnect(session, "bye");
        libssh2_session_free(session);
      }
    }
  } l;
  InitLibssh2();
  l.sock = ConnectTcp(endpoint);
  l.session = libssh2_session_init();
  libssh2_session_set_blocking(l.session, 1);
  libssh2_session_set_timeout(l.session, static_cast<long>(endpoint.io_timeout.count()));
  if (libssh2_session_handshake(l.session, SocketOf(*l.sock)) != 0) {
    throw SftpError(SftpError::Kind::kConnect,
                    Prefix(endpoint) + "SSH handshake failed: " + LastSessionError(l.session));
  }
  return ReadPresentedHostKey(l.session);
}

SftpSession::SftpSession(const SftpEndpoint& endpoint)
    : endpoint_(endpoint), h_(std::make_unique<Handles>()) {}

SftpSession::~SftpSession() = default;

std::unique_ptr<SftpSession> SftpSession::Connect(const SftpEndpoint& endpoint) {
  const std::string prefix = Prefix(endpoint);
  HostKeyPin pin(endpoint);  // a missing pin fails before any network traffic

  if (endpoint.private_key_file.empty() && endpoint.password.empty()) {
    throw SftpError(SftpError::Kind::kAuth, prefix + "neither a private key file nor a password "
                                                     "is configured for " + endpoint.user);
  }
  std::string key_type;
  if (!endpoint.private_key_file.empty()) {
    std::string reason;
    if (!Env::Default().IsReadable(endpoint.private_key_file, &reason)) {
      throw SftpError(SftpError::Kind::kAuth, prefix + "cannot read private key file " +
                                                  endpoint.private_key_file + ": " + reason);
    }
    key_type = sftp_internal::PrivateKeyType(endpoint.private_key_file);
    if (key_type == "ssh-rsa" || key_type == "ssh-dss") {
      throw SftpError(
          SftpError::Kind::kAuth,
          prefix + "private key file " + endpoint.private_key_file + " holds an " +
              (key_type == "ssh-rsa" ? "RSA" : "DSA") +
              " key. libssh2 1.10 cannot log in with RSA/DSA user keys to current OpenSSH "
              "servers (it only signs ssh-rsa with SHA-1, which OpenSSH refuses; "
              "rsa-sha2-256/512 is not supported). Use an Ed25519 or ECDSA key "
              "(ssh-keygen -t ed25519) and add its .pub to the server's authorized_keys.");
    }
  }

  std::unique_ptr<SftpSession> s(new SftpSession(endpoint));
  Handles& h = *s->h_;
  h.Open(endpoint);
  s->host_key_ = ReadPresentedHostKey(h.session);
  pin.Verify(h.session);  // before any credential leaves this machine

  // userauth_list also tells whether "none" already authenticated us.
  const char* methods = libssh2_userauth_list(h.session, endpoint.user.c_str(),
                                              static_cast<unsigned>(endpoint.user.size()));
  std::string method_list = methods ? methods : "";
  std::string failures;
  if (!libssh2_userauth_authenticated(h.session) && !endpoint.private_key_file.empty()) {
    int rc = libssh2_userauth_publickey_fromfile_ex(
        h.session, endpoint.user.c_str(), static_cast<unsigned>(endpoint.user.size()),
        /*publickey=*/nullptr, endpoint.private_key_file.c_str(),
        endpoint.passphrase.empty() ? nullptr : endpoint.passphrase.c_str());
    if (rc != 0) {
      failures = "public key " + endpoint.private_key_file +
                 (key_type.empty() ? "" : " (" + key_type + ")") + " refused: " +
                 LastSessionError(h.session);
      if (key_type.empty()) {
        failures += " [if this is an RSA key: libssh2 1.10 cannot use RSA keys with "
                    "current OpenSSH; use Ed25519 or ECDSA]";
      }
    }
  }
  if (!libssh2_userauth_authenticated(h.session) && !endpoint.password.empty()) {
    int rc = libssh2_userauth_password_ex(
        h.session, endpoint.user.c_str(), static_cast<unsigned>(endpoint.user.size()),
        endpoint.password.c_str(), static_cast<unsigned>(endpoint.password.size()), nullptr);
    if (rc != 0) {
      failures += std::string(failures.empty() ? "" : "; ") + "password refused: " +
                  LastSessionError(h.session);
    }
  }
  if (!libssh2_userauth_authenticated(h.session)) {
    throw SftpError(SftpError::Kind::kAuth,
                    prefix + "login as " + endpoint.user + " failed: " + failures +
                        (method_list.empty() ? "" : " (server offers: " + method_list + ")"));
  }

  if (endpoint.keepalive_interval.count() > 0) {
    libssh2_keepalive_config(h.session, 1, static_cast<unsigned>(endpoint.keepalive_interval.count()));
  }
  h.sftp = libssh2_sftp_init(h.session);
  if (h.sftp == nullptr) {
    throw SftpError(SftpError::Kind::kConnect,
                    prefix + "cannot start the SFTP subsystem: " + LastSessionError(h.session));
  }
  return s;
}

int SftpSession::SendKeepalive() {
  int next = 0;
  if (libssh2_keepalive_send(h_->session, &next) != 0) {
    Fail(endpoint_, h_->session, nullptr, "keepalive");
  }
  return next;
}

// ---------------------------------------------------------------------------
// Operations

namespace {

RemoteEntry ToEntry(std::string name, const LIBSSH2_SFTP_ATTRIBUTES& a) {
  RemoteEntry e;
  e.name = std::move(name);
  if (a.flags & LIBSSH2_SFTP_ATTR_SIZE) e.size = a.filesize;
  if (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) {
    e.is_regular = LIBSSH2_SFTP_S_ISREG(a.permissions);
    e.is_directory = LIBSSH2_SFTP_S_ISDIR(a.permissions);
  }
  if (a.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) e.mtime = static_cast<int64_t>(a.mtime);
  return e;
}

}  // namespace

std::vector<RemoteEntry> SftpSession::List(const std::string& dir) {
  HandlePtr d(libssh2_sftp_open_ex(h_->sftp, dir.c_str(), static_cast<unsigned>(dir.size()), 0, 0,
                                   LIBSSH2_SFTP_OPENDIR));
  if (!d) Fail(endpoint_, h_->session, h_->sftp, "list " + dir);
  std::vector<RemoteEntry> out;
  std::vector<char> name(4096);
  while (true) {
    LIBSSH2_SFTP_ATTRIBUTES attrs{};
    int n = libssh2_sftp_readdir_ex(d.get(), name.data(), name.size(), nullptr, 0, &attrs);
    if (n == 0) break;
    if (n < 0) Fail(endpoint_, h_->session, h_->sftp, "list " + dir);
    std::string entry(name.data(), static_cast<size_t>(n));
    if (entry == "." || entry == "..") continue;
    out.push_back(ToEntry(std::move(entry), attrs));
  }
  std::sort(out.begin(), out.end(),
            [](const RemoteEntry& a, const RemoteEntry& b) { return a.name < b.name; });
  return out;
}

std::optional<RemoteEntry> SftpSession::Stat(const std::string& path) {
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  int rc = libssh2_sftp_stat_ex(h_->sftp, path.c_str(), static_cast<unsigned>(path.size()),
                                LIBSSH2_SFTP_STAT, &attrs);
  if (rc != 0) {
    if (libssh2_session_last_errno(h_->session) == LIBSSH2_ERROR_SFTP_PROTOCOL) {
      unsigned long status = libssh2_sftp_last_error(h_->sftp);
      if (status == LIBSSH2_FX_NO_SUCH_FILE || status == LIBSSH2_FX_NO_SUCH_PATH) return std::nullopt;
    }
    Fail(endpoint_, h_->session, h_->sftp, "stat " + path);
  }
  size_t slash = path.find_last_of('/');
  return ToEntry(slash == std::string::npos ? path : path.substr(slash + 1), attrs);
}

void SftpSession::Download(const std::string& path, std::ostream& out, uint64_t size_hint) {
  HandlePtr f(libssh2_sftp_open_ex(h_->sftp, path.c_str(), static_cast<unsigned>(path.size()),
                                   LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE));
  if (!f) Fail(endpoint_, h_->session, h_->sftp, "open " + path + " for reading");
  // A large buffer per call lets libssh2 1.10 keep many read requests in flight,
  // but it asks for the whole buffer even past the end of a small file: fit the
  // buffer to the listed size (one byte more, so one call can see the end).
  const size_t size =
      size_hint > 0 ? static_cast<size_t>(std::min<uint64_t>(kReadChunk, size_hint + 1)) : kReadChunk;
  std::unique_ptr<char[]> buf(new char[size]);  // not zeroed: every byte used is read first
  while (true) {
    ssize_t n = libssh2_sftp_read(f.get(), buf.get(), size);
    if (n == 0) break;
    if (n < 0) Fail(endpoint_, h_->session, h_->sftp, "read " + path);
    out.write(buf.get(), n);
    if (!out) {
      throw SftpError(SftpError::Kind::kLocal,
                      Prefix(endpoint_) + "download " + path + ": writing the local copy failed");
    }
  }
}

std::string SftpSession::Download(const std::string& path) {
  std::ostringstream out;
  Download(path, out);
  return std::move(out).str();
}

namespace {

// Writes all of `in` through one open handle with a sliding window: each
// libssh2_sftp_write call is handed everything not yet acknowledged (kWindow/2 to
// kWindow bytes while input lasts). libssh2 sends what it has not sent yet and
// returns the number of bytes the server acknowledged; the next call must start
// with the first unacknowledged byte.
uint64_t WriteAll(const SftpEndpoint& e, LIBSSH2_SESSION* session, LIBSSH2_SFTP* sftp,
                  LIBSSH2_SFTP_HANDLE* handle, std::istream& in, const std::string& path) {
  std::vector<char> buf(kWindow);
  size_t begin = 0, end = 0;
  bool eof = false;
  uint64_t total = 0;
  while (true) {
    if (!eof && (begin >= kWindow / 2 || end < kWindow)) {
      if (begin >= kWindow / 2) {
        std::memmove(buf.data(), buf.data() + begin, end - begin);
        end -= begin;
        begin = 0;
      }
      if (end < kWindow) {
        in.read(buf.data() + end, static_cast<std::streamsize>(kWindow - end));
        std::streamsize got = in.gcount();
        end += static_cast<size_t>(got);
        if (in.bad()) {
          throw SftpError(SftpError::Kind::kLocal,
                          Prefix(e) + "upload " + path + ": reading the local data failed");
        }
        if (in.eof()) eof = true;
      }
    }
    if (begin == end) {
      if (eof) break;
      continue;
    }
    ssize_t n = libssh2_sftp_write(handle, buf.data() + begin, end - begin);
    if (n < 0) Fail(e, session, sftp, "write " + path);
    begin += static_cast<size_t>(n);
    total += static_cast<uint64_t>(n);
  }
  return total;
}

}  // namespace

uint64_t SftpSession::Upload(std::istream& in, const std::string& path) {
  HandlePtr f(libssh2_sftp_open_ex(h_->sftp, path.c_str(), static_cast<unsigned>(path.size()),
                                   LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0600,
                                   LIBSSH2_SFTP_OPENFILE));
  if (!f) Fail(endpoint_, h_->session, h_->sftp, "open " + path + " for writing");
  uint64_t n = WriteAll(endpoint_, h_->session, h_->sftp, f.get(), in, path);
  LIBSSH2_SFTP_HANDLE* raw = f.release();
  if (libssh2_sftp_close_handle(raw) != 0) Fail(endpoint_, h_->session, h_->sftp, "close " + path);
  return n;
}

void SftpSession::Rename(const std::string& from, const std::string& to) {
  // libssh2 1.10 does not send the flags to a version-3 server (OpenSSH); the
  // server's rename then fails if `to` exists.
  int rc = libssh2_sftp_rename_ex(h_->sftp, from.c_str(), static_cast<unsigned>(from.size()),
                                  to.c_str(), static_cast<unsigned>(to.size()),
                                  LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
  if (rc != 0) Fail(endpoint_, h_->session, h_->sftp, "rename " + from + " -> " + to);
}

void SftpSession::Remove(const std::string& path) {
  if (libssh2_sftp_unlink_ex(h_->sftp, path.c_str(), static_cast<unsigned>(path.size())) != 0) {
    Fail(endpoint_, h_->session, h_->sftp, "remove " + path);
  }
}

void SftpSession::MakeDirectory(const std::string& path, int mode) {
  if (libssh2_sftp_mkdir_ex(h_->sftp, path.c_str(), static_cast<unsigned>(path.size()), mode) != 0) {
    Fail(endpoint_, h_->session, h_->sftp, "mkdir " + path);
  }
}

void SftpSession::RemoveQuietly(const std::string& path) {
  try {
    if (Stat(path)) Remove(path);
  } catch (const SftpError&) {
  }
}

AtomicUploadResult SftpSession::UploadAtomically(std::istream& in, const std::string& remote_dir,
                                                 const std::string& stem,
                                                 const std::string& extension, int file_mode) {
  constexpr int kMaxSeq = 10000;
  auto name_for = [&](int seq) { return stem + "-" + std::to_string(seq) + extension; };
  auto free_seq = [&](int from) {
    for (int seq = from; seq <= kMaxSeq; ++seq) {
      if (!Stat(JoinRemote(remote_dir, name_for(seq)))) return seq;
    }
    throw SftpError(SftpError::Kind::kRemote,
                    Prefix(endpoint_) + "upload to " + remote_dir + ": no free name " +
                        name_for(1) + " .. " + name_for(kMaxSeq));
  };

  int seq = free_seq(1);
  const std::string part = JoinRemote(remote_dir, name_for(seq) + ".part");
  try {
    HandlePtr f(libssh2_sftp_open_ex(h_->sftp, part.c_str(), static_cast<unsigned>(part.size()),
                                     LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                     file_mode, LIBSSH2_SFTP_OPENFILE));
    if (!f) Fail(endpoint_, h_->session, h_->sftp, "open " + part + " for writing");
    uint64_t written = WriteAll(endpoint_, h_->session, h_->sftp, f.get(), in, part);
    if (libssh2_sftp_fsync(f.get()) != 0) {
      // Servers without fsync@openssh.com answer "unsupported"; the size check and
      // the rename still protect the reader, so only real failures abort.
      bool unsupported = libssh2_session_last_errno(h_->session) == LIBSSH2_ERROR_SFTP_PROTOCOL &&
                         libssh2_sftp_last_error(h_->sftp) == LIBSSH2_FX_OP_UNSUPPORTED;
      if (!unsupported) Fail(endpoint_, h_->session, h_->sftp, "fsync " + part);
    }
    if (libssh2_sftp_close_handle(f.release()) != 0) {
      Fail(endpoint_, h_->session, h_->sftp, "close " + part);
    }
    std::optional<RemoteEntry> st = Stat(part);
    if (!st || st->size != written) {
      throw SftpError(SftpError::Kind::kRemote,
                      Prefix(endpoint_) + "upload " + part + ": size on the server is " +
                          (st ? std::to_string(st->size) : std::string("missing")) + ", wrote " +
                          std::to_string(written) + " bytes");
    }
    // Someone else may take the chosen name between our stat and rename; then the
    // rename fails (no overwrite) and the next free name is tried.
    for (int attempt = 0;; ++attempt) {
      const std::string final_path = JoinRemote(remote_dir, name_for(seq));
      try {
        Rename(part, final_path);
        return AtomicUploadResult{name_for(seq), written};
      } catch (const SftpError& e) {
        if (e.kind() != SftpError::Kind::kRemote || attempt >= 20 || !Stat(final_path)) throw;
        seq = free_seq(seq + 1);
      }
    }
  } catch (const SftpError& e) {
    // After a connection error the session is unusable (and a cleanup attempt could
    // wait another io_timeout); the stale .part is ignored by the dispatcher.
    if (e.kind() != SftpError::Kind::kConnect) RemoveQuietly(part);
    throw;
  } catch (...) {
    RemoveQuietly(part);
    throw;
  }
}

AtomicUploadResult SftpSession::UploadFileAtomically(const std::string& local_file,
                                                     const std::string& remote_dir,
                                                     const std::string& stem,
                                                     const std::string& extension, int file_mode) {
  std::ifstream in(local_file, std::ios::binary);
  if (!in) {
    throw SftpError(SftpError::Kind::kLocal, Prefix(endpoint_) + "upload: cannot open local file " +
                                                 local_file + ": " + std::strerror(errno));
  }
  return UploadAtomically(in, remote_dir, stem, extension, file_mode);
}

}  // namespace kehrbote
