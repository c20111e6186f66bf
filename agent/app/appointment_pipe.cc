#include "agent/app/appointment_pipe.h"

namespace kehrbote {

// free_ and full_ hold every batch at once: Push on them never waits.
AppointmentPipe::AppointmentPipe(AppointmentSource& source, size_t batch_size, size_t batches)
    : source_(source), free_(batches), full_(batches) {
  for (size_t i = 0; i < batches; ++i) {
    auto b = std::make_unique<Batch>();
    b->items.resize(batch_size);
    b->where.resize(batch_size);
    free_.Push(std::move(b));
  }
  reader_.emplace(1, [this](size_t) { Produce(); });
}

AppointmentPipe::~AppointmentPipe() {
  free_.Cancel();  // the reader takes no further batch ...
  full_.Cancel();  // ... and hands back none; reader_ joins it
}

void AppointmentPipe::Produce() {
  try {
    while (std::optional<std::unique_ptr<Batch>> taken = free_.Pop()) {
      Batch& b = **taken;
      b.n = 0;
      bool more = true;
      while (b.n < b.items.size() && (more = source_.Next(&b.items[b.n]))) {
        b.where[b.n] = source_.where();
        ++b.n;
      }
      if (b.n > 0 && !full_.Push(std::move(*taken))) return;  // the consumer is gone
      if (!more) break;
    }
  } catch (...) {
    full_.Close();  // Next() hands out the batches before, then rethrows
    throw;
  }
  full_.Close();
}

const Appointment* AppointmentPipe::Next() {
  if (current_ && pos_ + 1 < current_->n) return &current_->items[++pos_];
  if (current_) free_.Push(std::move(current_));
  std::optional<std::unique_ptr<Batch>> filled = full_.Pop();
  if (!filled) {
    reader_->Join();  // rethrows the source's exception, if any
    return nullptr;
  }
  current_ = std::move(*filled);
  pos_ = 0;
  return &current_->items[0];
}

const std::string& AppointmentPipe::where() const { return current_->where[pos_]; }

}  // namespace kehrbote
