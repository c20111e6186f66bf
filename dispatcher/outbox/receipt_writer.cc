#include "dispatcher/outbox/receipt_writer.h"

#include <exception>
#include <utility>
#include <vector>

namespace kehrbote {

// A caller's receipt and, once its group is committed, the outcome. Written by
// the leader outside mu_, read by its caller after `done` (set under mu_).
struct ReceiptWriter::Waiting {
  explicit Waiting(const Receipt* r) : receipt(r) {}
  const Receipt* receipt;
  ReceiptResult result = ReceiptResult::kUnknownToken;
  std::exception_ptr error;
  bool done = false;
};

ReceiptWriter::ReceiptWriter(Database& db, std::size_t max_group)
    : db_(db), max_group_(max_group == 0 ? 1 : max_group) {}

ReceiptResult ReceiptWriter::Apply(const Receipt& receipt) {
  Waiting self(&receipt);
  MutexLock lock(&mu_);
  queue_.push_back(&self);
  while (!self.done) {
    if (leading_) {
      done_.Wait(&mu_);
      continue;
    }
    // Lead: commit what is queued (ours among it, unless an earlier group took it).
    leading_ = true;
    std::deque<Waiting*> group;
    while (!queue_.empty() && group.size() < max_group_) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    committing_ = group.size();
    mu_.Unlock();
    Commit(group);
    mu_.Lock();
    for (Waiting* w : group) w->done = true;
    ++groups_;
    committing_ = 0;
    leading_ = false;
    done_.SignalAll();
  }
  if (self.error) std::rethrow_exception(self.error);
  return self.result;
}

std::size_t ReceiptWriter::groups() const {
  MutexLock lock(&mu_);
  return groups_;
}

std::size_t ReceiptWriter::committing() const {
  MutexLock lock(&mu_);
  return committing_;
}

std::size_t ReceiptWriter::queued() const {
  MutexLock lock(&mu_);
  return queue_.size();
}

void ReceiptWriter::Commit(std::deque<Waiting*>& group) {
  DeliveryStore store(db_);
  std::vector<ReceiptResult> results(group.size());
  try {
    db_.InTransaction([&](SqlConnection& c) {
      for (std::size_t i = 0; i < group.size(); ++i) {
        const Receipt& r = *group[i]->receipt;
        results[i] = store.ApplyReceiptIn(c, r.token, r.status, r.answer, r.smsc_message_id, r.at);
      }
    });
    for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = results[i];
    return;
  } catch (const std::exception&) {
    if (group.size() == 1) {
      group.front()->error = std::current_exception();
      return;
    }
    // Rolled back: each on its own, so only the failing receipt fails.
  }
  for (Waiting* w : group) {
    const Receipt& r = *w->receipt;
    try {
      w->result = store.ApplyReceipt(r.token, r.status, r.answer, r.smsc_message_id, r.at);
    } catch (const std::exception&) {
      w->error = std::current_exception();
    }
  }
}

}  // namespace kehrbote
