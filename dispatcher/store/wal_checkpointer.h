// WalCheckpointer: copies SQLite's write-ahead log back into the database file
// on a thread of its own.
//
// By default SQLite does that in the connection that commits, inside its commit,
// once the log holds 1,000 pages: the store's one writer (ingest, planning, the
// outbox) then also waits for the copy and an fsync of the database file, and
// every other writer of the process waits for it. Attach() replaces that per
// connection: a commit only reports the log's size (sqlite3_wal_hook), and when
// it has reached `pages` this thread runs a PASSIVE checkpoint, which neither
// blocks nor waits for writers and readers. Durability is unchanged: a commit is
// durable in the log (synchronous=FULL) before it returns.
#pragma once

#include <functional>
#include <thread>

#include "shared/sync/mutex.h"

struct sqlite3;

namespace kehrbote {

class WalCheckpointer {
 public:
  // Runs one passive checkpoint on a connection of the database (one that is
  // not in use by anyone else meanwhile). Exceptions are swallowed: the next
  // commit asks again.
  using Checkpoint = std::function<void()>;

  explicit WalCheckpointer(Checkpoint checkpoint, int pages = 1000);
  ~WalCheckpointer();  // Stop()
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Takes over `db`'s automatic checkpoints. Call once per new connection.
  void Attach(sqlite3* db);
  // Ends the thread (after a checkpoint under way). Idempotent.
  void Stop() EXCLUDES(mu_);

 private:
  static int Hook(void* self, sqlite3* db, const char* name, int pages);
  void Loop() EXCLUDES(mu_);

  Checkpoint checkpoint_;
  const int pages_;
  Mutex mu_;
  CondVar wake_;
  bool due_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kehrbote
