// ReceiptWriter: applies the delivery receipts that several threads hand in at
// about the same time in one transaction (a group commit), with the rules of
// DeliveryStore::ApplyReceipt.
//
// Why: a receipt was a transaction of its own, and on SQLite every transaction
// of the store's one writer ends in an fsync of the log (synchronous=FULL). With
// receipts requested each SMS brings one to three (SMSC ack, buffered,
// delivered), so the listener's workers queued for the writer turn with one
// fsync per receipt, and the outbox's group commits queued behind them. Here the
// first caller becomes the leader and commits what is queued; receipts that
// come meanwhile wait and go together into the next leader's transaction.
//
// Contract: Apply() returns once the transaction holding its receipt is
// committed (durable: only then may the HTTP answer tell Kannel it is done),
// with the result ApplyReceipt would have given, receipts applied in the order
// they were handed in. If a group's transaction fails, its receipts are applied
// again one transaction each, so a failure costs only the receipt that causes
// it; that one's DatabaseError reaches its caller. At most `max_group` receipts
// share a transaction.
//
// Threads: Apply() from any number of threads at once (the committing happens
// on the callers' threads, no thread of its own); the writer must outlive them.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/store/database.h"
#include "shared/sync/mutex.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct Receipt {
  std::string token;
  int status = 0;
  std::string answer, smsc_message_id;
  Instant at{};
};

class ReceiptWriter {
 public:
  explicit ReceiptWriter(Database& db, std::size_t max_group = 256);
  ReceiptWriter(const ReceiptWriter&) = delete;
  ReceiptWriter& operator=(const ReceiptWriter&) = delete;

  ReceiptResult Apply(const Receipt& receipt) EXCLUDES(mu_);

  // Transactions committed so far, receipts in the one being committed now, and
  // receipts waiting for the next (for tests and metrics).
  std::size_t groups() const EXCLUDES(mu_);
  std::size_t committing() const EXCLUDES(mu_);
  std::size_t queued() const EXCLUDES(mu_);

 private:
  struct Waiting;
  void Commit(std::deque<Waiting*>& group);

  Database& db_;
  const std::size_t max_group_;
  mutable Mutex mu_;
  CondVar done_;  // a group was committed
  std::deque<Waiting*> queue_ GUARDED_BY(mu_);
  bool leading_ GUARDED_BY(mu_) = false;        // a caller is committing a group
  std::size_t committing_ GUARDED_BY(mu_) = 0;  // the size of that group
  std::size_t groups_ GUARDED_BY(mu_) = 0;
};

}  // namespace kehrbote
