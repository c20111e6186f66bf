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
  const auto deadline = std::chrono::steady_clock::now() + wait_;
  std::unique_ptr<SqlConnection> idle;
  {
    MutexLock lock(&mu_);
    while (idle_.empty() && open_ >= max_open_) {
      if (!returned_.WaitUntil(&mu_, deadline) && idle_.empty() && open_ >= max_open_)
        throw DatabaseError("database '" + description_ + "': all " + std::to_string(max_open_) +
                            " connections busy for " + std::to_string(wait_.count()) + " ms");
    }
    idle = TakeIdle();
  }
  return Hand(std::move(idle));
}

std::optional<PooledConnection> ConnectionPool::TryGet() {
  std::unique_ptr<SqlConnection> idle;
  {
    MutexLock lock(&mu_);
    if (idle_.empty() && open_ >= max_open_) return std::nullopt;
    idle = TakeIdle();
  }
  return Hand(std::move(idle));
}

std::unique_ptr<SqlConnection> ConnectionPool::TakeIdle() {
  if (idle_.empty()) {
    ++open_;
    return nullptr;
  }
  std::unique_ptr<SqlConnection> c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

PooledConnection ConnectionPool::Hand(std::unique_ptr<SqlConnection> idle) {
  if (idle) return PooledConnection(this, std::move(idle));
  // Connecting takes a round trip: others use the pool meanwhile.
  try {
    return PooledConnection(this, connect_());
  } catch (...) {
    MutexLock lock(&mu_);
    --open_;
    returned_.Signal();
    throw;
  }
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> c) {
  const bool keep = c->Reusable();
  if (!keep) c.reset();  // closed outside the mutex
  MutexLock lock(&mu_);
  if (keep) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
  }
  returned_.Signal();
}

}  // namespace kehrbote
