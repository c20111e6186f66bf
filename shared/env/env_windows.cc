// Windows implementation of Env. Built only on Windows (see shared/env/CMakeLists.txt).
//
// Private files: the agent runs as a service account (LocalSystem or a dedicated user);
// directories it creates get a protected DACL granting full control to the owner,
// SYSTEM and Administrators only, inherited by the files inside.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "shared/env/env.h"

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

[[noreturn]] void Throw(const std::string& what, const std::string& path, DWORD err = GetLastError()) {
  char* msg = nullptr;
  FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, err, 0, reinterpret_cast<LPSTR>(&msg), 0, nullptr);
  std::string reason = msg ? msg : ("error " + std::to_string(err));
  if (msg) LocalFree(msg);
  throw EnvError(what + " '" + path + "': " + reason);
}

// Owner, SYSTEM and Administrators: full control; inherited; no inheritance from above.
constexpr wchar_t kPrivateSddl[] = L"D:P(A;OICI;FA;;;OW)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

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
  WindowsWritableFile(std::string path, HANDLE h) : path_(std::move(path)), h_(h) {}
  ~WindowsWritableFile() override {
    if (h_ != INVALID_HANDLE_VALUE) {
      try { FlushBuffer(); } catch (...) {}
      CloseHandle(h_);
    }
  }
  void Append(std::string_view data) override {
    buffer_.append(data);
    if (buffer_.size() >= (1 << 16)) FlushBuffer();
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
  std::string buffer_;
};

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

  void WritePrivateFileAtomically(const std::string& path, std::string_view data) override {
    std::string tmp = path + ".tmp";
    auto f = NewPrivateFile(tmp);
    f->Append(data);
    f->Sync();
    f->Close();
    RenameFile(tmp, path);
  }

  std::string ReadFile(const std::string& path) override {
    std::ifstream in(Wide(path), std::ios::binary);
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
    PACL dacl = nullptr;
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (GetNamedSecurityInfoW(Wide(path).c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                              nullptr, &dacl, nullptr, &sd) != ERROR_SUCCESS)
      Throw("cannot read access rights of", path);
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    GetSecurityDescriptorControl(sd, &control, &revision);
    bool is_protected = (control & SE_DACL_PROTECTED) != 0 && dacl != nullptr && dacl->AceCount <= 3;
    LocalFree(sd);
    return is_protected;
  }

  std::string ExecutableDirectory() override {
    std::wstring buf(MAX_PATH, L'\0');
    DWORD n = GetModuleFileNameW(nullptr, buf.data(), static_cast<DWORD>(buf.size()));
    buf.resize(n);
    auto slash = buf.find_last_of(L"\\/");
    return slash == std::wstring::npos ? "." : Narrow(buf.substr(0, slash));
  }

  // A service starts in system32 and gets no arguments: everything lives beside the exe.
  std::string ConfigDirectory() override { return ExecutableDirectory(); }
  std::string DataDirectory() override { return JoinPath(ExecutableDirectory(), "data"); }

  void BlockTerminationSignals() override {}  // the service control manager stops us
  void RestrictNewFilePermissions() override {}
};

}  // namespace

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
