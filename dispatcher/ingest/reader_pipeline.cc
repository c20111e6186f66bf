#include "dispatcher/ingest/reader_pipeline.h"

#include "shared/export/export_reader.h"

namespace kehrbote {

namespace {
struct Cancelled {};  // the consumer is gone: stop reading
}  // namespace

ReaderPipeline::ReaderPipeline(std::istream& in, std::string source, const KnownRawDigests* known)
    : in_(in),
      source_(std::move(source)),
      known_(known),
      reader_(1, [this](size_t) { Produce(); }) {}

ReaderPipeline::~ReaderPipeline() {
  queue_.Cancel();  // a reader waiting for room gives up; reader_ joins it
}

std::optional<ExportHeader> ReaderPipeline::Header() {
  MutexLock lock(&mu_);
  while (!header_done_) header_known_.Wait(&mu_);
  return header_;
}

bool ReaderPipeline::Next(ExportItem& out) {
  if (taken_.empty() && queue_.PopBatch(&taken_, kCapacity, kBatch) == 0) return false;
  out = std::move(taken_.front());
  taken_.pop_front();
  return true;
}

void ReaderPipeline::Rethrow() { reader_.Join(); }

void ReaderPipeline::Produce() {
  try {
    ExportReader reader(in_, source_);
    reader.ReadItems([&](const ExportHeader& h) { PublishHeader(&h); },
                     [&](ExportItem&& item) {
                       if (!queue_.Push(std::move(item))) throw Cancelled{};
                     },
                     known_);
  } catch (const Cancelled&) {
  } catch (...) {
    PublishHeader(nullptr);  // no-op if it came
    queue_.Close();
    throw;  // to Rethrow()
  }
  PublishHeader(nullptr);
  queue_.Close();
}

void ReaderPipeline::PublishHeader(const ExportHeader* header) {
  MutexLock lock(&mu_);
  if (header_done_) return;
  if (header) header_ = *header;
  header_done_ = true;
  header_known_.SignalAll();
}

}  // namespace kehrbote
