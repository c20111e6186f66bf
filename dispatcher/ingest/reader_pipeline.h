// ReaderPipeline: reads and validates an export (ExportReader) on a thread of
// its own, ahead of the thread that diffs it into the store.
//
// Reading and validating costs about as much CPU as the diff and its writes, so
// the two run side by side: the reader thread parses into a bounded queue
// (kCapacity appointments) that the consumer drains in batches of kBatch, so
// the threads meet once per batch, not per appointment. Memory stays bounded
// by the queue, whatever the export's size.
//
// The reader hands over ExportItems (ExportReader::ReadItems): each appointment
// with the digest of its bytes, those whose digest is in `known` not decoded.
//
// Threads: one consumer thread calls Header(), Next() and Rethrow(). The
// destructor stops the reader (if it is still reading) and joins it, on every
// way out, also when the consumer throws.
#pragma once

#include <cstddef>
#include <deque>
#include <istream>
#include <optional>
#include <string>

#include "shared/export/export_model.h"
#include "shared/export/export_reader.h"
#include "shared/sync/bounded_queue.h"
#include "shared/sync/mutex.h"
#include "shared/sync/worker_group.h"

namespace kehrbote {

class ReaderPipeline {
 public:
  static constexpr size_t kCapacity = 1024;
  static constexpr size_t kBatch = 128;

  // Starts reading `in` (named `source` in errors); `in` and `known` (may be
  // null) must outlive this.
  ReaderPipeline(std::istream& in, std::string source, const KnownRawDigests* known = nullptr);
  ~ReaderPipeline();
  ReaderPipeline(const ReaderPipeline&) = delete;
  ReaderPipeline& operator=(const ReaderPipeline&) = delete;

  // The header, or nullopt if the reader failed before it (see Rethrow()).
  std::optional<ExportHeader> Header() EXCLUDES(mu_);

  // The next appointment in file order; false at the end or when the reader failed.
  bool Next(ExportItem& out);

  // After Next() returned false: rethrows the reader's exception, if any.
  void Rethrow();

 private:
  void Produce();
  void PublishHeader(const ExportHeader* header) EXCLUDES(mu_);

  std::istream& in_;
  std::string source_;
  const KnownRawDigests* known_;
  Mutex mu_;
  CondVar header_known_;
  std::optional<ExportHeader> header_ GUARDED_BY(mu_);
  bool header_done_ GUARDED_BY(mu_) = false;   // header_ set, or the reader ended without it
  BoundedQueue<ExportItem> queue_{kCapacity};  // closed when the reader ends
  std::deque<ExportItem> taken_;               // consumer side only
  WorkerGroup reader_;                         // last: started once the members above exist
};

}  // namespace kehrbote
