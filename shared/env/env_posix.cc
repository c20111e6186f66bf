// POSIX implementation of Env.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <algorithm>
#include <climits>
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
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      FlushBuffer();
      ::close(fd_);
    }
  }
  void Append(std::string_view data) override {
    buffer_.append(data);
    if (buffer_.size() >= kBufferSize) FlushBuffer();
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
  std::string buffer_;
};

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

  void WritePrivateFileAtomically(const std::string& path, std::string_view data) override {
    std::string tmp = path + ".tmp";
    auto f = NewPrivateFile(tmp);
    f->Append(data);
    f->Sync();
    f->Close();
    RenameFile(tmp, path);
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

  void BlockTerminationSignals() override {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

  void RestrictNewFilePermissions() override { ::umask(077); }
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
