// ConnectionPool: the store's open connections, one handed to a thread at a
// time, created on demand up to a maximum and kept open afterwards (their
// prepared statements are worth keeping).
//
// Threads: all members are thread-safe. A PooledConnection belongs to the
// thread that got it; it returns to the pool when destroyed, or is closed if it
// is no longer Reusable() (lost, or left inside a transaction).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/store/sql_connection.h"

namespace kehrbote {

class ConnectionPool;

class PooledConnection {
 public:
  PooledConnection(ConnectionPool* pool, std::unique_ptr<SqlConnection> c)
      : pool_(pool), c_(std::move(c)) {}
  ~PooledConnection();
  PooledConnection(PooledConnection&& other) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  SqlConnection& operator*() const { return *c_; }
  SqlConnection* operator->() const { return c_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<SqlConnection> c_;
};

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<SqlConnection>()>;

  // `connect` makes a new connection (and may throw DatabaseError); `description`
  // (the masked URL) names the store in errors.
  ConnectionPool(Factory connect, size_t max_open, std::chrono::milliseconds wait,
                 std::string description);
  ~ConnectionPool();

  // A connection: an idle one, a new one while fewer than max_open exist, or
  // the next one returned. Throws DatabaseError when none is free within
  // `wait`, or when a new one cannot be opened.
  PooledConnection Get();
  // An idle or new connection if one is free now, else nullopt (never waits).
  std::optional<PooledConnection> TryGet();

  size_t max_open() const { return max_open_; }

 private:
  friend class PooledConnection;
  PooledConnection Open(std::unique_lock<std::mutex>& lock);
  void Return(std::unique_ptr<SqlConnection> c);

  const Factory connect_;
  const size_t max_open_;
  const std::chrono::milliseconds wait_;
  const std::string description_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                   // guarded by mu_
};

}  // namespace kehrbote
