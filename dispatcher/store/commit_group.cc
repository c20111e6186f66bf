#include "dispatcher/store/commit_group.h"

#include <Poco/Exception.h>

namespace kehrbote {

using Poco::Data::Session;
using namespace Poco::Data::Keywords;

CommitGroup::CommitGroup(Database& db) : db_(db) {}

CommitGroup::~CommitGroup() { Abandon(); }

void CommitGroup::Begin() {
  // The session first, then the writer turn, in the order Database::InTransaction
  // takes them; both are kept only once the transaction has begun.
  Session s = db_.GetSession();
  std::unique_lock<std::timed_mutex> writer = db_.TakeWriterTurn();
  s << "BEGIN IMMEDIATE", now;
  writer_ = std::move(writer);
  session_.emplace(std::move(s));
}

void CommitGroup::Abandon() {
  if (session_) {
    try {
      *session_ << "ROLLBACK", now;
    } catch (...) {
      // Gone with the connection; SQLite rolls back on its own then.
    }
    session_.reset();
  }
  if (writer_.owns_lock()) writer_.unlock();
}

void CommitGroup::WithFirmLock(std::string_view firm_id,
                               const std::function<void(Session&)>& fn) {
  if (db_.dialect() != SqlDialect::kSqlite) {
    db_.WithFirmLock(firm_id, fn);
    ++firms_;
    return;
  }
  if (!lost_.empty()) throw DatabaseError(lost_);
  // No firm mutex here: Database::WithFirmLock takes the firm's mutex before the
  // writer turn, so taking it while the group holds the turn could deadlock. It
  // is not needed either: every WithFirmLock body runs inside a transaction, under
  // the writer turn, which the group holds until it commits.
  if (!session_) Begin();
  Session& s = *session_;
  s << "SAVEPOINT firm_in_group", now;
  try {
    fn(s);
  } catch (...) {
    try {
      s << "ROLLBACK TO SAVEPOINT firm_in_group", now;
      s << "RELEASE SAVEPOINT firm_in_group", now;
    } catch (const Poco::Exception& e) {
      // SQLite ended the whole transaction (disk full, I/O error): the firms
      // before this one are lost too, and Commit() must say so.
      lost_ = "store '" + db_.description() + "': a group of firms' writes was lost at firm " +
              std::string(firm_id) + ": " + e.displayText();
      Abandon();
    }
    throw;
  }
  s << "RELEASE SAVEPOINT firm_in_group", now;
  ++firms_;
}

void CommitGroup::Commit() {
  if (!lost_.empty()) throw DatabaseError(lost_);
  if (!session_) return;  // nothing written (or PostgreSQL: each firm committed)
  try {
    *session_ << "COMMIT", now;
  } catch (const Poco::Exception& e) {
    const std::string why = e.displayText();
    Abandon();
    throw DatabaseError("store '" + db_.description() + "': committing the writes of " +
                        std::to_string(firms_) + " firms failed: " + why);
  }
  session_.reset();
  writer_.unlock();
}

}  // namespace kehrbote
