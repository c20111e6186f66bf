// Test support: a private temporary directory removed with everything in it when
// the object goes away.
#pragma once

#include <string>

namespace kehrbote::test {

class TempDir {
 public:
  // Creates "<base>/<prefix>XXXXXX" with mode 0700; base defaults to $TMPDIR or /tmp.
  explicit TempDir(const std::string& prefix = "kehrbote-test-", const std::string& base = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace kehrbote::test
