#include "dispatcher/ingest/reader_pipeline.h"

#include "shared/export/export_reader.h"

namespace kehrbote {

ReaderPipeline::ReaderPipeline(std::istream& in, std::string source, const KnownRawDigests* known)
    : in_(in), source_(std::move(source)), known_(known) {
  thread_ = std::thread([this] { Produce(); });
}

ReaderPipeline::~ReaderPipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  space_.notify_all();
  thread_.join();
}

std::optional<ExportHeader> ReaderPipeline::Header() {
  std::unique_lock<std::mutex> lock(mu_);
  ready_.wait(lock, [&] { return header_.has_value() || done_; });
  return header_;
}

bool ReaderPipeline::Next(ExportItem& out) {
  if (taken_.empty()) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return queue_.size() >= kBatch || done_; });
    if (queue_.empty()) return false;
    taken_.swap(queue_);
    space_.notify_one();
  }
  out = std::move(taken_.front());
  taken_.pop_front();
  return true;
}

void ReaderPipeline::Rethrow() {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_) std::rethrow_exception(error_);
}

void ReaderPipeline::Produce() {
  try {
    ExportReader reader(in_, source_);
    reader.ReadItems(
        [&](const ExportHeader& h) {
          std::lock_guard<std::mutex> lock(mu_);
          header_ = h;
          ready_.notify_all();
        },
        [&](ExportItem&& item) {
          std::unique_lock<std::mutex> lock(mu_);
          space_.wait(lock, [&] { return queue_.size() < kCapacity || cancelled_; });
          if (cancelled_) throw Cancelled{};
          queue_.push_back(std::move(item));
          if (queue_.size() == kBatch) ready_.notify_one();
        },
        known_);
  } catch (const Cancelled&) {
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  ready_.notify_all();
}

}  // namespace kehrbote
