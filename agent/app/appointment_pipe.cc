#include "agent/app/appointment_pipe.h"

namespace kehrbote {

AppointmentPipe::AppointmentPipe(AppointmentSource& source, size_t batch_size, size_t batches)
    : source_(source) {
  for (size_t i = 0; i < batches; ++i) {
    auto b = std::make_unique<Batch>();
    b->items.resize(batch_size);
    b->where.resize(batch_size);
    free_.push_back(std::move(b));
  }
  reader_ = std::thread([this] { Produce(); });
}

AppointmentPipe::~AppointmentPipe() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  reader_.join();
}

void AppointmentPipe::Produce() {
  try {
    for (;;) {
      std::unique_ptr<Batch> b;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
        if (stop_) return;
        b = std::move(free_.front());
        free_.pop_front();
      }
      b->n = 0;
      bool more = true;
      while (b->n < b->items.size() && (more = source_.Next(&b->items[b->n]))) {
        b->where[b->n] = source_.where();
        ++b->n;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (b->n > 0) full_.push_back(std::move(b));
        if (!more) done_ = true;
      }
      cv_.notify_all();
      if (!more) return;
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
    done_ = true;
    cv_.notify_all();
  }
}

const Appointment* AppointmentPipe::Next() {
  if (current_ && pos_ + 1 < current_->n) return &current_->items[++pos_];
  std::unique_lock<std::mutex> lock(mu_);
  if (current_) {
    free_.push_back(std::move(current_));
    cv_.notify_all();
  }
  cv_.wait(lock, [this] { return !full_.empty() || done_; });
  if (full_.empty()) {
    if (error_) std::rethrow_exception(error_);
    return nullptr;
  }
  current_ = std::move(full_.front());
  full_.pop_front();
  pos_ = 0;
  return &current_->items[0];
}

const std::string& AppointmentPipe::where() const { return current_->where[pos_]; }

}  // namespace kehrbote
