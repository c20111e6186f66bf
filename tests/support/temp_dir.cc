#include "tests/support/temp_dir.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace kehrbote::test {

TempDir::TempDir(const std::string& prefix, const std::string& base) {
  std::string b = base;
  if (b.empty()) {
    const char* t = getenv("TMPDIR");
    b = (t != nullptr && *t != '\0') ? t : "/tmp";
  }
  std::string templ = b + "/" + prefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("TempDir: mkdtemp " + templ + ": " + std::strerror(errno));
  }
  path_ = buf.data();
  chmod(path_.c_str(), 0700);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Sub(const std::string& name) const { return path_ + "/" + name; }

}  // namespace kehrbote::test
