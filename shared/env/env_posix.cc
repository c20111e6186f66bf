// POSIX implementation of Env.
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "shared/env/env.h"

namespace kehrbote {
namespace {

[[noreturn]] void Throw(const std::string& what, const std::string& path, int err) {
  throw EnvError(what + " '" + path + "': " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
 public:
  // `unbuffered`: every Append is written at once (appendable log files).
  PosixWritableFile(std::string path, int fd, bool unbuffered = false)
      : path_(std::move(path)), fd_(fd), unbuffered_(unbuffered) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      FlushBuffer();
      ::close(fd_);
    }
  }
  void Append(std::string_view data) override {
    buffer_.append(data);
    if (unbuffered_ || buffer_.size() >= kBufferSize) FlushBuffer();
  }
  void Sync() override {
    FlushBuffer();
    if (::fsync(fd_) != 0) Throw("cannot sync", path_, errno);
  }
  void Close() override {
    if (fd_ < 0) return;
    FlushBuffer();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) Throw("cannot close", path_, errno);
  }

 private:
  static constexpr size_t kBufferSize = 1 << 16;
  void FlushBuffer() {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        Throw("cannot write", path_, errno);
      }
      off += static_cast<size_t>(n);
    }
    buffer_.clear();
  }
  std::string path_;
  int fd_;
  bool unbuffered_;
  std::string buffer_;
};

class PosixTcpSocket final : public TcpSocket {
 public:
  explicit PosixTcpSocket(int fd) : fd_(fd) {}
  ~PosixTcpSocket() override { ::close(fd_); }
  NativeHandle native_handle() const override { return fd_; }

 private:
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // releases the flock

 private:
  int fd_;
};

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGQUIT);
  return set;
}

// Connects `s` to `ai` within `timeout`: a non-blocking connect, then poll for
// writability. Returns 0 or the error (errno value, or ETIMEDOUT).
int ConnectWithin(int s, const addrinfo& ai, std::chrono::milliseconds timeout) {
  const int flags = ::fcntl(s, F_GETFL, 0);
  ::fcntl(s, F_SETFL, flags | O_NONBLOCK);
  int err = 0;
  if (::connect(s, ai.ai_addr, ai.ai_addrlen) != 0) err = errno;
  if (err == EINPROGRESS) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{s, POLLOUT, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) return errno;
      if (rc == 0) return ETIMEDOUT;
      socklen_t len = sizeof err;
      if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      break;
    }
  }
  if (err != 0) return err;
  ::fcntl(s, F_SETFL, flags);  // back to blocking; libssh2 bounds each wait itself
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return 0;
}

class PosixEnv final : public Env {
 public:
  void CreatePrivateDirectory(const std::string& dir) override {
    if (dir.empty()) return;
    // Parents get the default mode; the directory itself is owner-only.
    std::string partial;
    std::stringstream ss(dir);
    std::string part;
    if (dir[0] == '/') partial = "/";
    while (std::getline(ss, part, '/')) {
      if (part.empty()) continue;
      partial += part;
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) Throw("cannot create directory", partial, errno);
      partial += "/";
    }
    if (::chmod(dir.c_str(), 0700) != 0) Throw("cannot restrict directory", dir, errno);
  }

  std::unique_ptr<WritableFile> NewPrivateFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) Throw("cannot create file", path, errno);
    ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  std::unique_ptr<WritableFile> NewAppendablePrivateFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) Throw("cannot open for appending", path, errno);
    ::fchmod(fd, 0600);
    return std::make_unique<PosixWritableFile>(path, fd, /*unbuffered=*/true);
  }

  std::string ReadFile(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) Throw("cannot open", path, errno);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  uint64_t FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) Throw("cannot stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  void RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) Throw("cannot rename to '" + to + "'", from, errno);
  }

  void RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) Throw("cannot remove", path, errno);
  }

  std::vector<std::string> ListFiles(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (!d) Throw("cannot list", dir, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  int64_t ModifiedTime(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) Throw("cannot stat", path, errno);
    return static_cast<int64_t>(st.st_mtime);
  }

  bool IsPrivate(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) Throw("cannot stat", path, errno);
    return (st.st_mode & 077) == 0;
  }

  bool DirectoryExists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  bool IsReadable(const std::string& path, std::string* reason) override {
    if (::access(path.c_str(), R_OK) == 0) return true;
    if (reason != nullptr) *reason = std::strerror(errno);
    return false;
  }

  std::unique_ptr<FileLock> TryLockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) Throw("cannot create lock file", path, errno);
    // flock, not fcntl: its lock belongs to the open file, so a second lock from
    // this process is refused too (fcntl locks are per process).
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return nullptr;
      Throw("cannot lock", path, err);
    }
    return std::make_unique<PosixFileLock>(fd);
  }

  std::string ExecutableDirectory() override {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return ".";
    std::string p(buf, static_cast<size_t>(n));
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "." : p.substr(0, slash);
  }

  std::string ConfigDirectory() override { return "/etc/kehrbote"; }
  std::string DataDirectory() override { return "/var/lib/kehrbote"; }

  std::unique_ptr<TcpSocket> ConnectTcp(const std::string& host, int port,
                                        std::chrono::milliseconds timeout) override {
    const std::string where = host + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (gai != 0) {
      throw EnvError("cannot resolve " + where + ": " +
                     (gai == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(gai)));
    }
    std::string last_error = "no address";
    int fd = -1;
    for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
      int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (s < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      const int err = ConnectWithin(s, *ai, timeout);
      if (err != 0) {
        last_error = err == ETIMEDOUT
                         ? "connect timed out after " + std::to_string(timeout.count()) + " ms"
                         : std::strerror(err);
        ::close(s);
        continue;
      }
      fd = s;
    }
    ::freeaddrinfo(res);
    if (fd < 0) throw EnvError("cannot connect to " + where + ": " + last_error);
    return std::make_unique<PosixTcpSocket>(fd);
  }

  void RandomBytes(void* out, size_t size) override {
    auto* p = static_cast<unsigned char*>(out);
    while (size > 0) {
      // getrandom(2): the kernel's CSPRNG without opening a file; at most 32 MiB a call.
      ssize_t n = ::getrandom(p, size, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw EnvError(std::string("cannot read random bytes: ") + std::strerror(errno));
      }
      p += n;
      size -= static_cast<size_t>(n);
    }
  }

  uint64_t ProcessId() override { return static_cast<uint64_t>(::getpid()); }

  void BlockTerminationSignals() override {
    sigset_t set = TerminationSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

  int WaitForTerminationSignal(std::chrono::milliseconds timeout) override {
    const sigset_t set = TerminationSignals();
    const int64_t ms = std::max<int64_t>(0, timeout.count());
    const timespec wait{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
    const int sig = ::sigtimedwait(&set, nullptr, &wait);
    return sig > 0 ? sig : 0;  // EAGAIN: none came; EINTR: another signal, the caller waits again
  }

  void RestrictNewFilePermissions() override { ::umask(077); }

  bool SetStdinEcho(bool on) override {
    termios t{};
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &t) != 0) return false;
    if (on) t.c_lflag |= ECHO;
    else t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    return ::tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
  }
};

}  // namespace

Env& Env::Default() {
  static PosixEnv env;
  return env;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (!b.empty() && b[0] == '/') return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

}  // namespace kehrbote
