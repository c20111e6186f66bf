#include "dispatcher/store/commit_group.h"

namespace kehrbote {

CommitGroup::CommitGroup(Database& db) : db_(db) {}

CommitGroup::~CommitGroup() { Abandon(); }

void CommitGroup::Begin() {
  // The connection first, then the writer turn, in the order Database::InTransaction
  // takes them; both are kept only once the transaction has begun. BEGIN IMMEDIATE:
  // grouping runs only with a single writer, which is SQLite.
  PooledConnection c = db_.Connect();
  std::unique_lock<std::timed_mutex> writer = db_.TakeWriterTurn();
  c->Execute("BEGIN IMMEDIATE");
  writer_ = std::move(writer);
  connection_.emplace(std::move(c));
}

void CommitGroup::Abandon() {
  if (connection_) {
    try {
      (*connection_)->Execute("ROLLBACK");
    } catch (...) {
      // Gone with the connection; SQLite rolls back on its own then (and the
      // pool closes a connection left inside a transaction).
    }
    connection_.reset();
  }
  if (writer_.owns_lock()) writer_.unlock();
}

void CommitGroup::WithFirmLock(std::string_view firm_id,
                               const std::function<void(SqlConnection&)>& fn) {
  if (!db_.SingleWriter()) {
    db_.WithFirmLock(firm_id, fn);
    ++firms_;
    return;
  }
  if (!lost_.empty()) throw DatabaseError(lost_);
  // No firm mutex here: Database::WithFirmLock takes the firm's mutex before the
  // writer turn, so taking it while the group holds the turn could deadlock. It
  // is not needed either: every WithFirmLock body runs inside a transaction, under
  // the writer turn, which the group holds until it commits.
  if (!connection_) Begin();
  SqlConnection& c = **connection_;
  c.Execute("SAVEPOINT firm_in_group");
  try {
    fn(c);
    c.EndBatch();  // as Database's transactions: a batch `fn` left open ends here
  } catch (...) {
    try {
      c.EndBatch();
    } catch (...) {
      // The error already on its way is the one to report.
    }
    try {
      c.Execute("ROLLBACK TO SAVEPOINT firm_in_group");
      c.Execute("RELEASE SAVEPOINT firm_in_group");
    } catch (const DatabaseError& e) {
      // SQLite ended the whole transaction (disk full, I/O error): the firms
      // before this one are lost too, and Commit() must say so.
      lost_ = "store '" + db_.description() + "': a group of firms' writes was lost at firm " +
              std::string(firm_id) + ": " + e.what();
      Abandon();
    }
    throw;
  }
  c.Execute("RELEASE SAVEPOINT firm_in_group");
  ++firms_;
}

void CommitGroup::Commit() {
  if (!lost_.empty()) throw DatabaseError(lost_);
  if (!connection_) return;  // nothing written (or PostgreSQL: each firm committed)
  try {
    (*connection_)->Execute("COMMIT");
  } catch (const DatabaseError& e) {
    const std::string why = e.what();
    Abandon();
    throw DatabaseError("store '" + db_.description() + "': committing the writes of " +
                        std::to_string(firms_) + " firms failed: " + why);
  }
  connection_.reset();
  writer_.unlock();
}

}  // namespace kehrbote
