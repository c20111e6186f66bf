// Windows implementation of Env. Built only on Windows (see shared/env/CMakeLists.txt).
//
// Private files: the agent runs as a service account (LocalSystem or a dedicated user);
// directories it creates get a protected DACL granting full control to the owner,
// SYSTEM and Administrators only, inherited by the files inside.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN  // windows.h must not pull in winsock.h before winsock2.h
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <aclapi.h>
#include <knownfolders.h>
#include <shlobj.h>
#include <bcrypt.h>
#include <sddl.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include "shared/env/env.h"
#include "shared/env/windows_acl.h"

namespace kehrbote {
namespace {

std::wstring Wide(const std::string& utf8) {
  if (utf8.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring w(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), w.data(), n);
  return w;
}

std::string Narrow(const std::wstring& w) {
  if (w.empty()) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
  std::string s(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), s.data(), n, nullptr, nullptr);
  return s;
}

// The system's text for a Win32 or Winsock error code, without the trailing CR LF.
std::string ErrorText(DWORD err) {
  char* msg = nullptr;
  FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, err, 0, reinterpret_cast<LPSTR>(&msg), 0, nullptr);
  std::string reason = msg ? msg : ("error " + std::to_string(err));
  if (msg) LocalFree(msg);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == '\r' || reason.back() == ' '))
    reason.pop_back();
  return reason;
}

// `err` is a parameter, not read inside, so that it is taken before anything else
// can overwrite the thread's last error.
[[noreturn]] void Throw(const std::string& what, const std::string& path, DWORD err = GetLastError()) {
  throw EnvError(what + " '" + path + "': " + ErrorText(err));
}

// SYSTEM (the service's account) and Administrators (the technician): full control,
// inherited by files and folders inside; nothing inherited from above (P), so a parent's
// "Users: read" does not reach spool, status and log.
constexpr wchar_t kPrivateSddl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

// True if `sid` is LocalSystem or the Administrators group.
bool IsSystemOrAdministrators(PSID sid) {
  return IsWellKnownSid(sid, WinLocalSystemSid) || IsWellKnownSid(sid, WinBuiltinAdministratorsSid);
}

void MakePrivate(const std::string& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(kPrivateSddl, SDDL_REVISION_1, &sd, nullptr))
    Throw("cannot build security descriptor for", path);
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  std::wstring w = Wide(path);
  DWORD rc = SetNamedSecurityInfoW(w.data(), SE_FILE_OBJECT,
                                   DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                   nullptr, nullptr, dacl, nullptr);
  LocalFree(sd);
  if (rc != ERROR_SUCCESS) Throw("cannot restrict access to", path, rc);
}

class WindowsWritableFile final : public WritableFile {
 public:
  // `unbuffered`: every Append is written at once (appendable log files).
  WindowsWritableFile(std::string path, HANDLE h, bool unbuffered = false)
      : path_(std::move(path)), h_(h), unbuffered_(unbuffered) {}
  ~WindowsWritableFile() override {
    if (h_ != INVALID_HANDLE_VALUE) {
      try { FlushBuffer(); } catch (...) {}
      CloseHandle(h_);
    }
  }
  void Append(std::string_view data) override {
    buffer_.append(data);
    if (unbuffered_ || buffer_.size() >= (1 << 16)) FlushBuffer();
  }
  void Sync() override {
    FlushBuffer();
    if (!FlushFileBuffers(h_)) Throw("cannot sync", path_);
  }
  void Close() override {
    if (h_ == INVALID_HANDLE_VALUE) return;
    FlushBuffer();
    HANDLE h = h_;
    h_ = INVALID_HANDLE_VALUE;
    if (!CloseHandle(h)) Throw("cannot close", path_);
  }

 private:
  void FlushBuffer() {
    size_t off = 0;
    while (off < buffer_.size()) {
      DWORD n = 0;
      DWORD chunk = static_cast<DWORD>(std::min<size_t>(buffer_.size() - off, 1 << 30));
      if (!WriteFile(h_, buffer_.data() + off, chunk, &n, nullptr)) Throw("cannot write", path_);
      off += n;
    }
    buffer_.clear();
  }
  std::string path_;
  HANDLE h_;
  bool unbuffered_;
  std::string buffer_;
};

class WindowsTcpSocket final : public TcpSocket {
 public:
  explicit WindowsTcpSocket(SOCKET s) : s_(s) {}
  ~WindowsTcpSocket() override { closesocket(s_); }
  NativeHandle native_handle() const override { return static_cast<NativeHandle>(s_); }

 private:
  SOCKET s_;
};

class WindowsFileLock final : public FileLock {
 public:
  explicit WindowsFileLock(HANDLE h) : h_(h) {}
  ~WindowsFileLock() override { CloseHandle(h_); }

 private:
  HANDLE h_;
};

// Winsock is started once per process, on first use, and never cleaned up (the
// process's end does that). Thread-safe: a function-local static.
void StartWinsock() {
  static const int rc = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  if (rc != 0) throw EnvError("cannot start Winsock: " + ErrorText(static_cast<DWORD>(rc)));
}

// Connects `s` to `ai` within `timeout`: a non-blocking connect, then select()
// (WSAPoll misses failed connects before Windows 10 2004). Returns 0 or the
// Winsock error (WSAETIMEDOUT on timeout).
int ConnectWithin(SOCKET s, const addrinfo& ai, std::chrono::milliseconds timeout) {
  u_long non_blocking = 1;
  ioctlsocket(s, FIONBIO, &non_blocking);
  int err = 0;
  if (connect(s, ai.ai_addr, static_cast<int>(ai.ai_addrlen)) != 0) err = WSAGetLastError();
  if (err == WSAEWOULDBLOCK) {
    fd_set writable, failed;
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    FD_SET(s, &writable);
    FD_SET(s, &failed);
    const int64_t ms = std::max<int64_t>(0, timeout.count());
    timeval tv{static_cast<long>(ms / 1000), static_cast<long>(ms % 1000) * 1000};
    const int rc = select(0, nullptr, &writable, &failed, &tv);
    if (rc == SOCKET_ERROR) return WSAGetLastError();
    if (rc == 0) return WSAETIMEDOUT;
    err = 0;
    int len = sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0) err = WSAGetLastError();
    if (err == 0 && FD_ISSET(s, &failed)) err = WSAECONNREFUSED;
  }
  if (err != 0) return err;
  u_long blocking = 0;
  ioctlsocket(s, FIONBIO, &blocking);  // back to blocking; libssh2 bounds each wait itself
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
  return 0;
}

// Console control events (Ctrl+C, Ctrl+Break, close, logoff, shutdown) as signal
// numbers for WaitForTerminationSignal. The handler runs on a thread of its own.
std::atomic<int> g_termination_signal{0};

HANDLE TerminationEvent() {
  static const HANDLE event = CreateEventW(nullptr, /*manual reset=*/FALSE, /*signaled=*/FALSE, nullptr);
  return event;
}

BOOL WINAPI OnConsoleControl(DWORD type) {
  g_termination_signal = type == CTRL_C_EVENT ? SIGINT : SIGTERM;
  SetEvent(TerminationEvent());
  return TRUE;  // handled: no default ExitProcess for Ctrl+C / Ctrl+Break
}

void InstallConsoleControlHandler() {
  static const bool installed = [] {
    TerminationEvent();  // created before the handler can run
    return SetConsoleCtrlHandler(OnConsoleControl, TRUE) != 0;
  }();
  (void)installed;
}

class WindowsEnv final : public Env {
 public:
  void CreatePrivateDirectory(const std::string& dir) override {
    std::string partial;
    for (size_t i = 0; i <= dir.size(); ++i) {
      if (i == dir.size() || dir[i] == '\\' || dir[i] == '/') {
        if (!partial.empty() && partial.back() != ':') {
          if (!CreateDirectoryW(Wide(partial).c_str(), nullptr) && GetLastError() != ERROR_ALREADY_EXISTS)
            Throw("cannot create directory", partial);
        }
      }
      if (i < dir.size()) partial += dir[i];
    }
    MakePrivate(dir);
  }

  std::unique_ptr<WritableFile> NewPrivateFile(const std::string& path) override {
    HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) Throw("cannot create file", path);
    MakePrivate(path);
    return std::make_unique<WindowsWritableFile>(path, h);
  }

  std::unique_ptr<WritableFile> NewAppendablePrivateFile(const std::string& path) override {
    // FILE_APPEND_DATA alone: every write goes to the end. Others may read the log.
    HANDLE h = CreateFileW(Wide(path).c_str(), FILE_APPEND_DATA, FILE_SHARE_READ, nullptr,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) Throw("cannot open for appending", path);
    MakePrivate(path);
    return std::make_unique<WindowsWritableFile>(path, h, /*unbuffered=*/true);
  }

  std::string ReadFile(const std::string& path) override {
    const std::wstring wide = Wide(path);
    std::ifstream in(wide.c_str(), std::ios::binary);  // the wchar_t* overload: a UTF-16 path
    if (!in) Throw("cannot open", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  bool FileExists(const std::string& path) override {
    return GetFileAttributesW(Wide(path).c_str()) != INVALID_FILE_ATTRIBUTES;
  }

  uint64_t FileSize(const std::string& path) override {
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExW(Wide(path).c_str(), GetFileExInfoStandard, &a)) Throw("cannot stat", path);
    return (static_cast<uint64_t>(a.nFileSizeHigh) << 32) | a.nFileSizeLow;
  }

  void RenameFile(const std::string& from, const std::string& to) override {
    if (!MoveFileExW(Wide(from).c_str(), Wide(to).c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
      Throw("cannot rename to '" + to + "'", from);
  }

  void RemoveFile(const std::string& path) override {
    if (!DeleteFileW(Wide(path).c_str()) && GetLastError() != ERROR_FILE_NOT_FOUND) Throw("cannot remove", path);
  }

  std::vector<std::string> ListFiles(const std::string& dir) override {
    std::vector<std::string> names;
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(Wide(JoinPath(dir, "*")).c_str(), &fd);
    if (h == INVALID_HANDLE_VALUE) {
      if (GetLastError() == ERROR_FILE_NOT_FOUND) return names;
      Throw("cannot list", dir);
    }
    do {
      if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) names.push_back(Narrow(fd.cFileName));
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    std::sort(names.begin(), names.end());
    return names;
  }

  int64_t ModifiedTime(const std::string& path) override {
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExW(Wide(path).c_str(), GetFileExInfoStandard, &a)) Throw("cannot stat", path);
    ULARGE_INTEGER t;
    t.LowPart = a.ftLastWriteTime.dwLowDateTime;
    t.HighPart = a.ftLastWriteTime.dwHighDateTime;
    return static_cast<int64_t>(t.QuadPart / 10000000ULL) - 11644473600LL;  // 1601 -> 1970
  }

  bool IsPrivate(const std::string& path) override {
    PSECURITY_DESCRIPTOR sd = nullptr;
    DWORD rc = GetNamedSecurityInfoW(Wide(path).c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                     nullptr, nullptr, nullptr, nullptr, &sd);
    if (rc != ERROR_SUCCESS) Throw("cannot read access rights of", path, rc);
    const bool is_private = windows_acl::IsPrivateDescriptor(sd);
    LocalFree(sd);
    return is_private;
  }

  bool DirectoryExists(const std::string& path) override {
    const DWORD a = GetFileAttributesW(Wide(path).c_str());
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) != 0;
  }

  bool IsReadable(const std::string& path, std::string* reason) override {
    // Opening is the only reliable check: the ACL, not the attributes, decides.
    HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
      if (reason != nullptr) *reason = ErrorText(GetLastError());
      return false;
    }
    CloseHandle(h);
    return true;
  }

  std::unique_ptr<FileLock> TryLockFile(const std::string& path) override {
    // No sharing: a second open, from any process, fails while this handle lives.
    HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
      const DWORD err = GetLastError();
      if (err == ERROR_SHARING_VIOLATION) return nullptr;
      Throw("cannot lock", path, err);
    }
    auto lock = std::make_unique<WindowsFileLock>(h);
    MakePrivate(path);
    return lock;
  }

  // The known folder, not %ProgramData%: a service's environment need not have it (Wine
  // gives services C:\users\Public there).
  static std::string ProgramData() {
    PWSTR path = nullptr;
    std::string out = "C:\\ProgramData";
    if (SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path) == S_OK) out = Narrow(path);
    CoTaskMemFree(path);
    return out;
  }

  std::string ExecutableDirectory() override {
    std::wstring buf(MAX_PATH, L'\0');
    DWORD n = GetModuleFileNameW(nullptr, buf.data(), static_cast<DWORD>(buf.size()));
    buf.resize(n);
    auto slash = buf.find_last_of(L"\\/");
    return slash == std::wstring::npos ? "." : Narrow(buf.substr(0, slash));
  }

  // %ProgramData%\Kehrbote, where the installer puts agent.yaml: a service starts in
  // system32 and gets no arguments, and Program Files is no place for data.
  std::string ConfigDirectory() override { return JoinPath(ProgramData(), "Kehrbote"); }
  std::string DataDirectory() override { return JoinPath(ProgramData(), "Kehrbote"); }

  std::unique_ptr<TcpSocket> ConnectTcp(const std::string& host, int port,
                                        std::chrono::milliseconds timeout) override {
    StartWinsock();
    const std::string where = host + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* res = nullptr;
    const int gai = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (gai != 0) throw EnvError("cannot resolve " + where + ": " + ErrorText(static_cast<DWORD>(gai)));
    std::string last_error = "no address";
    SOCKET sock = INVALID_SOCKET;
    for (addrinfo* ai = res; ai != nullptr && sock == INVALID_SOCKET; ai = ai->ai_next) {
      SOCKET s = WSASocketW(ai->ai_family, ai->ai_socktype, ai->ai_protocol, nullptr, 0,
                            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
      if (s == INVALID_SOCKET) {
        last_error = ErrorText(static_cast<DWORD>(WSAGetLastError()));
        continue;
      }
      const int err = ConnectWithin(s, *ai, timeout);
      if (err != 0) {
        last_error = err == WSAETIMEDOUT
                         ? "connect timed out after " + std::to_string(timeout.count()) + " ms"
                         : ErrorText(static_cast<DWORD>(err));
        closesocket(s);
        continue;
      }
      sock = s;
    }
    freeaddrinfo(res);
    if (sock == INVALID_SOCKET) throw EnvError("cannot connect to " + where + ": " + last_error);
    return std::make_unique<WindowsTcpSocket>(sock);
  }

  void RandomBytes(void* out, size_t size) override {
    auto* p = static_cast<unsigned char*>(out);
    while (size > 0) {
      const ULONG chunk = static_cast<ULONG>(std::min<size_t>(size, 1u << 30));
      const NTSTATUS status = BCryptGenRandom(nullptr, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
      if (!BCRYPT_SUCCESS(status))
        throw EnvError("cannot read random bytes: BCryptGenRandom status " + std::to_string(status));
      p += chunk;
      size -= chunk;
    }
  }

  uint64_t ProcessId() override { return GetCurrentProcessId(); }

  // A service is stopped by the service control manager (agent/main.cc); a console
  // run by Ctrl+C and friends, which this handler turns into a termination request.
  void BlockTerminationSignals() override { InstallConsoleControlHandler(); }

  int WaitForTerminationSignal(std::chrono::milliseconds timeout) override {
    InstallConsoleControlHandler();
    const DWORD ms = static_cast<DWORD>(std::clamp<int64_t>(timeout.count(), 0, INFINITE - 1));
    if (WaitForSingleObject(TerminationEvent(), ms) != WAIT_OBJECT_0) return 0;
    return g_termination_signal.exchange(0);
  }

  void RestrictNewFilePermissions() override {}

  bool SetStdinEcho(bool on) override {
    HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    if (in == INVALID_HANDLE_VALUE || !::GetConsoleMode(in, &mode)) return false;
    mode = on ? (mode | ENABLE_ECHO_INPUT) : (mode & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
    return ::SetConsoleMode(in, mode) != 0;
  }
};

}  // namespace

namespace windows_acl {

const wchar_t* PrivateSddl() { return kPrivateSddl; }

bool IsPrivateDescriptor(void* sd) {
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorControl(sd, &control, &revision) ||
      !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
    return false;
  }
  // No DACL at all means "everyone"; an unprotected one inherits the parent's entries.
  if (!present || dacl == nullptr || (control & SE_DACL_PROTECTED) == 0) return false;
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    ACE_HEADER* ace = nullptr;
    if (!GetAce(dacl, i, reinterpret_cast<void**>(&ace))) return false;
    if (ace->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;  // deny entries only restrict
    auto* allowed = reinterpret_cast<ACCESS_ALLOWED_ACE*>(ace);
    if (!IsSystemOrAdministrators(reinterpret_cast<PSID>(&allowed->SidStart))) return false;
  }
  return true;
}

}  // namespace windows_acl

Env& Env::Default() {
  static WindowsEnv env;
  return env;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.size() > 1 && (b[1] == ':' || b[0] == '\\' || b[0] == '/')) return b;
  char last = a.back();
  return (last == '\\' || last == '/') ? a + b : a + "\\" + b;
}

}  // namespace kehrbote
