#include "dispatcher/store/connection_pool.h"

namespace kehrbote {

PooledConnection::~PooledConnection() {
  if (c_) pool_->Return(std::move(c_));
}

ConnectionPool::ConnectionPool(Factory connect, size_t max_open, std::chrono::milliseconds wait,
                               std::string description)
    : connect_(std::move(connect)),
      max_open_(std::max<size_t>(1, max_open)),
      wait_(wait),
      description_(std::move(description)) {}

ConnectionPool::~ConnectionPool() = default;

PooledConnection ConnectionPool::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!returned_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < max_open_; }))
    throw DatabaseError("database '" + description_ + "': all " + std::to_string(max_open_) +
                        " connections busy for " + std::to_string(wait_.count()) + " ms");
  return Open(lock);
}

std::optional<PooledConnection> ConnectionPool::TryGet() {
  std::unique_lock<std::mutex> lock(mu_);
  if (idle_.empty() && open_ >= max_open_) return std::nullopt;
  return Open(lock);
}

PooledConnection ConnectionPool::Open(std::unique_lock<std::mutex>& lock) {
  if (!idle_.empty()) {
    std::unique_ptr<SqlConnection> c = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(c));
  }
  ++open_;
  lock.unlock();  // connecting takes a round trip; others may use the pool meanwhile
  try {
    return PooledConnection(this, connect_());
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> c) {
  const bool keep = c->Reusable();
  if (!keep) c.reset();  // closed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  if (keep) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  returned_.notify_one();
}

}  // namespace kehrbote
