// The platform rule (docs/architecture.md): shared/env is the only code that knows
// the operating system. Every .h/.cc under shared/, agent/ and dispatcher/ outside
// shared/env/ (and agent/main.cc, the Windows service entry point) is read and
// must neither include a POSIX or Windows system header nor call a POSIX or Win32
// function directly; such code goes behind Env. tests/ and bench/ are Linux test
// infrastructure and are not checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace kehrbote {
namespace {

namespace fs = std::filesystem;

// Headers of POSIX, Linux and Windows (not of the C/C++ standard library).
const char* const kOsHeaders[] = {
    "unistd.h",  "fcntl.h",    "poll.h",     "netdb.h",    "signal.h",   "pthread.h",
    "dirent.h",  "dlfcn.h",    "termios.h",  "syslog.h",   "pwd.h",      "grp.h",
    "spawn.h",   "sched.h",    "semaphore.h", "ifaddrs.h", "utime.h",    "malloc.h",
    "windows.h", "winsock2.h", "winsock.h",  "ws2tcpip.h", "io.h",       "direct.h",
    "process.h", "aclapi.h",   "sddl.h",     "bcrypt.h",   "shlobj.h",   "winbase.h",
    "winsvc.h",  "tchar.h",    "iphlpapi.h", "mswsock.h",  "ntstatus.h", "wincrypt.h",
};
// Header directories that are all OS headers.
const char* const kOsHeaderDirs[] = {"sys/", "netinet/", "arpa/", "linux/", "net/", "mach/"};

// OS functions that have crept in before (and their close relatives). Matched
// as a call of a global or unqualified name: `getpid(`, `::stat(`, but not
// `session.stat(`, `s->access(` or `std::remove(`. Names that are also common
// variable names (`socket`, `pipe`) are left to the header check.
const char* const kOsFunctions[] = {
    "getpid",     "getppid",     "getuid",          "geteuid",       "getrandom",
    "getentropy", "sigtimedwait", "sigwaitinfo",    "sigwait",       "sigprocmask",
    "pthread_sigmask", "sigaction", "kill",         "gmtime_r",      "localtime_r",
    "timegm",     "gmtime_s",    "localtime_s",     "access",        "_access",
    "_waccess",   "stat",        "lstat",           "fstat",         "fsync",
    "fdatasync",  "fcntl",       "ioctl",           "ioctlsocket",   "mkdir",
    "chmod",      "umask",       "unlink",          "readlink",      "opendir",
    "mkstemp",    "mkdtemp",     "usleep",          "nanosleep",     "fork",
    "execv",      "execvp",      "closesocket",     "WSAStartup",    "WSAPoll",
    "GetLastError", "GetCurrentProcessId", "BCryptGenRandom", "SetConsoleCtrlHandler",
    "CreateFileW", "CreateFileA", "GetTempPathW",   "freeaddrinfo",  "getaddrinfo",
    "getsockopt", "setsockopt",  "poll",            "select",        "close",
    "open",       "read",        "write",           "dup2",          "popen",
};

bool Exempt(const std::string& rel) {
  return rel.rfind("shared/env/", 0) == 0 || rel == "agent/main.cc";
}

// `line` with string and character literals emptied and comments removed;
// `in_block` carries a /* comment */ across lines.
std::string CodeOnly(const std::string& line, bool& in_block) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (in_block) {
      if (line.compare(i, 2, "*/") == 0) {
        in_block = false;
        ++i;
      }
      continue;
    }
    if (line.compare(i, 2, "//") == 0) break;
    if (line.compare(i, 2, "/*") == 0) {
      in_block = true;
      ++i;
      continue;
    }
    const char c = line[i];
    if (c == '"' || c == '\'') {
      out += c;
      for (++i; i < line.size() && line[i] != c; ++i)
        if (line[i] == '\\') ++i;
      out += c;
      continue;
    }
    out += c;
  }
  return out;
}

struct Violation {
  std::string file;
  int line = 0;
  std::string what;
};

// The violations in `in`, the text of the file `rel` (relative to the source root).
std::vector<Violation> Check(std::istream& in, const std::string& rel) {
  static const std::regex include_re(R"(^\s*#\s*include\s*<([^>]+)>)");
  static const std::regex call_re = [] {
    std::string names;
    for (const char* f : kOsFunctions) names += (names.empty() ? "" : "|") + std::string(f);
    // Not preceded by a name character, '.', '>' (->) or a namespace other than the global one.
    return std::regex(R"((^|[^\w.>:]|[^\w:]::)()" + names + R"()\s*\()");
  }();
  std::vector<Violation> out;
  std::string line;
  bool in_block = false;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!in_block && std::regex_search(line, m, include_re)) {
      const std::string header = m[1];
      const bool os_header =
          std::any_of(std::begin(kOsHeaders), std::end(kOsHeaders),
                      [&](const char* h) { return header == h; }) ||
          std::any_of(std::begin(kOsHeaderDirs), std::end(kOsHeaderDirs),
                      [&](const char* d) { return header.rfind(d, 0) == 0; });
      if (os_header) out.push_back({rel, n, "includes the OS header <" + header + ">"});
    }
    const std::string code = CodeOnly(line, in_block);
    if (code.find("#") != std::string::npos && code.find("include") != std::string::npos) continue;
    for (auto it = std::sregex_iterator(code.begin(), code.end(), call_re); it != std::sregex_iterator();
         ++it) {
      out.push_back({rel, n, "calls the OS function " + (*it)[2].str() + "()"});
    }
  }
  return out;
}

std::vector<Violation> CheckTree(const fs::path& root) {
  std::vector<Violation> all;
  for (const char* top : {"shared", "agent", "dispatcher"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
      const std::string rel = fs::relative(e.path(), root).generic_string();
      if (Exempt(rel)) continue;
      std::ifstream in(e.path());
      for (Violation& v : Check(in, rel)) all.push_back(std::move(v));
    }
  }
  std::sort(all.begin(), all.end(), [](const Violation& a, const Violation& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
  return all;
}

TEST(PlatformRuleTest, OnlySharedEnvKnowsTheOperatingSystem) {
  const fs::path root = KEHRBOTE_SOURCE_DIR;
  ASSERT_TRUE(fs::exists(root / "shared/env/env.h")) << root;
  std::ostringstream report;
  const std::vector<Violation> violations = CheckTree(root);
  for (const Violation& v : violations) report << "  " << v.file << ":" << v.line << ": " << v.what << "\n";
  EXPECT_TRUE(violations.empty())
      << "OS code outside shared/env (move it behind Env, see docs/architecture.md):\n"
      << report.str();
}

// The checker itself: it finds what it should and passes what it should.
TEST(PlatformRuleTest, CheckerFindsHeadersAndCallsButNotLookalikes) {
  std::istringstream sample(
      "#include <unistd.h>\n"
      "#include <sys/stat.h>\n"
      "#include <string>\n"
      "#include \"shared/env/env.h\"\n"
      "int a = ::getpid();\n"
      "void f() { struct stat st; if (::stat(p, &st) == 0) {} }\n"
      "bool ok = access(p, 0) == 0;\n"
      "s.stat(x); s->access(y); std::remove(z); Stat(q); fstatus(w); lstat (v);\n"
      "// getpid() in a comment\n"
      "std::string t = \"getrandom( in a string\";\n"
      "/* timegm(\n"
      "   still a comment */ int b = gmtime_r(&t, &u);\n");
  const std::vector<Violation> v = Check(sample, "sample.cc");
  std::vector<std::string> found;
  for (const Violation& x : v) found.push_back(x.file + ":" + std::to_string(x.line) + " " + x.what);
  EXPECT_EQ(found, (std::vector<std::string>{
                       "sample.cc:1 includes the OS header <unistd.h>",
                       "sample.cc:2 includes the OS header <sys/stat.h>",
                       "sample.cc:5 calls the OS function getpid()",
                       "sample.cc:6 calls the OS function stat()",
                       "sample.cc:7 calls the OS function access()",
                       "sample.cc:8 calls the OS function lstat()",
                       "sample.cc:12 calls the OS function gmtime_r()",
                   }));
}

}  // namespace
}  // namespace kehrbote
