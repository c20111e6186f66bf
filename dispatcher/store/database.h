// Database: the dispatcher's store, over SQLite (embedded default) or PostgreSQL.
//
// One Database per process, shared by all threads. It hands out pooled
// connections of the store layer (sql_connection.h), runs per-component
// migrations and wraps transactions, so that every dispatcher component
// (store/ingest, planning, delivery) owns its own tables and still shares one
// database.
//
// URLs:
//   "sqlite:/var/lib/kehrbote/dispatcher.db"   one file, created 0600 (a missing
//                                               directory is created 0700); WAL
//                                               journal; busy timeout
//   "postgresql:host=127.0.0.1 port=5432 dbname=kehrbote user=kehrbote password=..."
//                                               a libpq connection string
//   "postgresql://kehrbote:...@db:5432/kehrbote"  or a libpq URI (store_url.h)
//
// Portable SQL, as every component must write it: see sql_connection.h ('?'
// placeholders, BIGINT unix seconds, INTEGER 0/1 booleans, "INSERT ... ON
// CONFLICT (...) DO UPDATE/NOTHING" upserts, SqlVariant for what differs).
//
// Concurrency:
//   - SQLite: several connections on one file; the transactions of one process
//     (InTransaction, WithFirmLock) take turns on a process mutex, other
//     processes are held off by BEGIN IMMEDIATE + busy timeout; readers run
//     beside them thanks to WAL.
//   - PostgreSQL: several dispatcher processes may share one database.
//     WithFirmLock serializes work on one firm across processes with
//     pg_advisory_xact_lock; on SQLite it is a process mutex per firm plus
//     BEGIN IMMEDIATE (which already excludes every other writer on the file).
//     TryClaimFirm lets the instances split a pass's firms without waiting for
//     each other (firm_claim.h).
//
// All failures throw DatabaseError with the operation and the masked URL in the
// message (exceptions of InTransaction callbacks are passed through unchanged
// after the rollback).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/connection_pool.h"
#include "dispatcher/store/firm_claim.h"
#include "dispatcher/store/sql_connection.h"
#include "dispatcher/store/store_error.h"

namespace kehrbote {

class CommitGroup;

// One schema step of one component. Versions start at 1 and increase by one;
// each step runs once, inside a transaction, and is recorded in
// schema_migrations(component, version, applied_at). The SQL may hold several
// statements separated by ';' (no ';' inside literals).
struct Migration {
  int version = 0;
  std::string sqlite;
  std::string postgresql;
};

struct DatabaseOptions {
  // Connections kept by the pool (and the most open at once).
  std::size_t max_sessions = 8;
  // How long a statement waits for a lock held by another writer (SQLite), and
  // how long Connect() waits for a free pooled connection.
  std::chrono::milliseconds busy_timeout{30000};
  // Tests: called (on the waiting thread) when a transaction has to wait for this
  // process's SQLite writer turn, so a test can order threads without sleeping.
  std::function<void()> on_writer_wait;
};

class Database {
 public:
  // Opens (and for SQLite creates) the database named by `url`. Throws
  // DatabaseError on a malformed URL or when the database cannot be reached.
  static std::unique_ptr<Database> Open(const std::string& url,
                                        const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  SqlDialect dialect() const { return dialect_; }
  // True when the engine admits one writer at a time (SQLite): the writers of a
  // pass then group their work into shared transactions (CommitGroup) instead
  // of running side by side.
  bool SingleWriter() const { return dialect_ == SqlDialect::kSqlite; }
  // The URL with any password masked, for logs and error messages.
  const std::string& description() const { return description_; }

  // A connection of the pool, in autocommit mode, for this thread until it is
  // destroyed. Do not keep it across passes; do not ask for a second one while
  // holding one (the pool is bounded).
  PooledConnection Connect();

  // Applies the steps of `component` newer than its recorded version, in order,
  // each in its own transaction. Idempotent; safe when several processes start at
  // once (serialized by a lock). Throws DatabaseError naming component and
  // version if a step fails or if the store is newer than this code knows.
  void Migrate(std::string_view component, const std::vector<Migration>& migrations);
  // Highest applied version of `component`, 0 if none.
  int SchemaVersion(std::string_view component);

  // Runs `fn` in one transaction on a pooled connection: commits if `fn` returns,
  // rolls back and rethrows if it throws. SQLite uses BEGIN IMMEDIATE.
  void InTransaction(const std::function<void(SqlConnection&)>& fn);

  // SQLite: while an UrgentWrites lives on a thread, that thread's write
  // transactions take this process's writer turn ahead of the other writers
  // waiting for it (the pull's and the planner's groups), so a message falling
  // due waits at most for the transaction in progress, not for a queue of them.
  // The `run` loop's delivery lane sends under one. No effect on PostgreSQL.
  class UrgentWrites {
   public:
    UrgentWrites();
    ~UrgentWrites();
    UrgentWrites(const UrgentWrites&) = delete;
    UrgentWrites& operator=(const UrgentWrites&) = delete;
  };

  // True while an urgent writer waits for the turn: a writer of a large group
  // may commit what it has and let it go first. Thread-safe.
  bool UrgentWriterWaiting();

  // SQLite: this process's writer turn, for code that runs its own BEGIN
  // IMMEDIATE on a connection of this Database (CommitGroup): hold it until that transaction ends.
  // Bounded by the busy timeout (throws DatabaseError when it is not free in time). PostgreSQL: an
  // empty lock.
  std::unique_lock<std::timed_mutex> TakeWriterTurn();

  // Like InTransaction, and additionally holds the lock of `firm_id` until the
  // transaction ends, so that two threads or processes never work on the same
  // firm at once (ingest, planning of that firm).
  void WithFirmLock(std::string_view firm_id, const std::function<void(SqlConnection&)>& fn);

  // Claims `firm_id` for this instance's work on it (firm_claim.h) until the
  // claim is destroyed; nullopt at once, without waiting, when another instance
  // or another thread of this process holds it. One round trip on PostgreSQL
  // (and one more to end it). Thread-safe. Throws DatabaseError if the server
  // cannot be asked.
  std::optional<FirmClaim> TryClaimFirm(std::string_view firm_id);

 private:
  friend class FirmClaim;
  void EndFirmClaim(const std::string& firm_id) noexcept;
  class Impl;
  Database(SqlDialect dialect, std::string description, std::unique_ptr<Impl> impl);

  SqlDialect dialect_;
  std::string description_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kehrbote
