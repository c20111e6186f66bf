// FirmClaim: this dispatcher instance works on one firm (its pull, its
// planning) and no other instance does meanwhile, for as long as the claim lives.
//
// Several dispatcher processes on one PostgreSQL share a pass's firms by
// claiming them (Database::TryClaimFirm): a firm another instance holds is
// skipped at once, not waited for, so two instances started together split the
// firms between them instead of doing each firm's downloads, reading and
// planning twice. A claim is cooperative: it keeps instances apart, the firm's
// lock (Database::WithFirmLock, which every write of a firm's data takes) and
// the rechecks under it still keep every write correct if a claim is not taken.
//
// PostgreSQL: a session advisory lock (key "kehrbote-claim:<firm>", apart from
// WithFirmLock's transaction lock) on one connection of the Database kept for
// claims; the server drops it if the process dies. SQLite (one writer per file,
// so one instance): only this process's own bookkeeping.
// Within one process a firm is claimed once at a time as well (a second
// TryClaimFirm of it fails until the first claim ends).
//
// Threads: a claim may be taken on one thread and destroyed on another. It must
// not outlive its Database.
#pragma once

#include <string>

namespace kehrbote {

class Database;

class FirmClaim {
 public:
  FirmClaim(FirmClaim&& other) noexcept : db_(other.db_), firm_id_(std::move(other.firm_id_)) {
    other.db_ = nullptr;
  }
  FirmClaim& operator=(FirmClaim&& other) noexcept;  // ends this claim, takes the other
  FirmClaim(const FirmClaim&) = delete;
  FirmClaim& operator=(const FirmClaim&) = delete;
  // Ends the claim (a failure to tell the server is not thrown: the lock then
  // ends with the claim connection).
  ~FirmClaim();

  const std::string& firm_id() const { return firm_id_; }

 private:
  friend class Database;
  FirmClaim(Database* db, std::string firm_id) : db_(db), firm_id_(std::move(firm_id)) {}

  Database* db_;
  std::string firm_id_;
};

}  // namespace kehrbote
