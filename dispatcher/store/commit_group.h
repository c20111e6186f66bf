// CommitGroup: the writes of several firms in one transaction, so that they
// share one commit (and its fsync) instead of one each.
//
// On SQLite every commit of the one writer costs an fsync of the log and more
// (about 2 ms on the reference VM while planning writes beside it): a pull of
// 1,000 small exports spent a fifth of its writer time committing. A puller
// that has several firms' exports read and validated applies them in one group
// and makes them durable together.
//
// Contract:
//   - WithFirmLock(firm, fn) runs `fn` inside the group's transaction under a
//     savepoint: if `fn` throws, exactly its writes are undone and the exception
//     passes on; the firms before it stay in the group. Nobody else works on the
//     firm meanwhile, as under Database::WithFirmLock: on SQLite the group holds
//     the writer turn, which every WithFirmLock body needs.
//   - Nothing of the group is durable or visible to other sessions until
//     Commit() returns. If Commit() throws, nothing of the group stays. Callers
//     act on a firm's outcome (move its files, plan it) only after Commit().
//   - Single writer (SQLite, Database::SingleWriter()): the group holds one
//     pooled connection and the store's one writer from its first write until
//     Commit() or destruction; do not wait for I/O (downloads) in between.
//   - Otherwise (PostgreSQL): no grouping. Every WithFirmLock is its own
//     transaction with the firm's advisory lock, as Database::WithFirmLock;
//     several dispatcher processes then never wait on each other's groups.
//   - The destructor rolls back what was not committed.
//   - One thread uses a group at a time.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "dispatcher/store/database.h"

namespace kehrbote {

class CommitGroup {
 public:
  explicit CommitGroup(Database& db);
  ~CommitGroup();
  CommitGroup(const CommitGroup&) = delete;
  CommitGroup& operator=(const CommitGroup&) = delete;

  void WithFirmLock(std::string_view firm_id, const std::function<void(SqlConnection&)>& fn);

  // Makes the group's writes durable. Throws DatabaseError if the commit fails
  // or an earlier failure lost the transaction; nothing of the group stays then.
  void Commit();

  // Firms written since the group began (WithFirmLock calls that returned).
  int firms() const { return firms_; }

 private:
  void Begin();
  void Abandon();

  Database& db_;
  std::optional<PooledConnection> connection_;  // single writer, from the first write on
  std::unique_lock<std::timed_mutex> writer_;
  std::string lost_;  // why the transaction is gone (a savepoint could not be undone)
  int firms_ = 0;
};

}  // namespace kehrbote
