// ScratchFile: a file of this fuzzing process that each input overwrites, for
// parsers that only read from a path (the CSV source, the dispatcher config).
// One per process and name ($TMPDIR or /tmp, the pid in the name), so parallel
// fuzzing jobs do not share it. Removed when the process ends normally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

namespace kehrbote::fuzz {

class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) {
    const char* tmp = getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/kehrbote-fuzz-" + std::to_string(getpid()) +
            "-" + name;
  }
  ~ScratchFile() { std::remove(path_.c_str()); }

  // Replaces the content; aborts if it cannot (the target would test nothing).
  const std::string& Write(const uint8_t* data, size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) abort();
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kehrbote::fuzz
