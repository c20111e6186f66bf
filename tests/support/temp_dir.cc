#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace kehrbote::test {

namespace fs = std::filesystem;

// Portable (std::filesystem only), so the agent's tests build for Windows too.
TempDir::TempDir(const std::string& prefix, const std::string& base) {
  fs::path b = base;
  if (b.empty()) {
    const char* t = std::getenv("TMPDIR");
    b = (t != nullptr && *t != '\0') ? fs::path(t) : fs::temp_directory_path();
  }
  std::random_device rd;
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = prefix;
    for (int i = 0; i < 6; ++i) name += kChars[rd() % (sizeof kChars - 1)];
    std::error_code ec;
    if (fs::create_directory(b / name, ec)) {
      path_ = (b / name).generic_string();
      fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
      return;
    }
    if (ec) throw std::runtime_error("TempDir: cannot create " + (b / name).string() + ": " + ec.message());
  }
  throw std::runtime_error("TempDir: no free name for " + (b / prefix).string());
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::Sub(const std::string& name) const { return path_ + "/" + name; }

}  // namespace kehrbote::test
