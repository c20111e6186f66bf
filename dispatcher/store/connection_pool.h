// ConnectionPool: the store's open connections, one handed to a thread at a
// time, created on demand up to a maximum and kept open afterwards (their
// prepared statements are worth keeping).
//
// Threads: all members are thread-safe. A PooledConnection belongs to the
// thread that got it; it returns to the pool when destroyed, or is closed if it
// is no longer Reusable() (lost, or left inside a transaction).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/store/sql_connection.h"
#include "shared/sync/mutex.h"

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
  PooledConnection Get() EXCLUDES(mu_);
  // An idle or new connection if one is free now, else nullopt (never waits).
  std::optional<PooledConnection> TryGet() EXCLUDES(mu_);

  size_t max_open() const { return max_open_; }

 private:
  friend class PooledConnection;
  // An idle connection, or nullptr after counting a new one as open (the caller
  // then connects, outside the mutex).
  std::unique_ptr<SqlConnection> TakeIdle() REQUIRES(mu_);
  PooledConnection Hand(std::unique_ptr<SqlConnection> idle) EXCLUDES(mu_);
  void Return(std::unique_ptr<SqlConnection> c) EXCLUDES(mu_);

  const Factory connect_;
  const size_t max_open_;
  const std::chrono::milliseconds wait_;
  const std::string description_;
  Mutex mu_;
  CondVar returned_;
  std::vector<std::unique_ptr<SqlConnection>> idle_ GUARDED_BY(mu_);
  size_t open_ GUARDED_BY(mu_) = 0;  // handed out, idle, or being connected
};

}  // namespace kehrbote
