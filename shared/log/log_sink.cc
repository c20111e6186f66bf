#include "shared/log/log_sink.h"

#include <iostream>

namespace kehrbote {

void StreamLogSink::Write(std::string_view line) {
  out_ << line;
  out_.flush();
}

RotatingFileLogSink::RotatingFileLogSink(std::string path, uint64_t max_bytes, int archives,
                                         Env& env)
    : path_(std::move(path)), max_bytes_(max_bytes), archives_(archives), env_(env) {
  file_ = env_.NewAppendablePrivateFile(path_);
  size_ = env_.FileSize(path_);
}

void RotatingFileLogSink::Write(std::string_view line) {
  if (size_ > 0 && size_ + line.size() > max_bytes_) Rotate();
  file_->Append(line);
  size_ += line.size();
}

void RotatingFileLogSink::Rotate() {
  // Closed before the renames: Windows cannot rename a file that is open.
  file_->Close();
  file_.reset();
  auto archive = [&](int n) { return path_ + "." + std::to_string(n); };
  if (env_.FileExists(archive(archives_))) env_.RemoveFile(archive(archives_));
  for (int n = archives_ - 1; n >= 1; --n)
    if (env_.FileExists(archive(n))) env_.RenameFile(archive(n), archive(n + 1));
  if (archives_ > 0) {
    env_.RenameFile(path_, archive(1));
  } else {
    env_.RemoveFile(path_);
  }
  file_ = env_.NewAppendablePrivateFile(path_);
  size_ = 0;
}

std::shared_ptr<LogSink> OpenLogSink(const std::string& file) {
  if (file.empty()) return std::make_shared<StreamLogSink>(std::cerr);
  return std::make_shared<RotatingFileLogSink>(file);
}

}  // namespace kehrbote
