// AccountStore: the portal's accounts, sessions, login attempts and audit log in
// the store (tables: account_schema.h). Every call is one short statement or
// transaction on a pooled connection; nothing is cached, so several `web`
// instances on one PostgreSQL see the same accounts and sessions at once.
//
// Threads: one AccountStore may be used by many threads at once.
// Errors: AccountError for what the caller did wrong (unknown or duplicate user,
// bad role); DatabaseError for the store itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

class AccountError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Role { kPartnerAdmin, kFirmUser };
std::string ToString(Role role);  // "partner_admin" / "firm_user"
// Throws AccountError for anything else.
Role ParseRole(const std::string& text);

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kFirmUser;
  std::string firm_id;  // empty for partner admins
  std::string password_hash;
  bool disabled = false;

  // Partner admins see every firm, a firm user only their own.
  bool MaySee(const std::string& firm) const {
    return role == Role::kPartnerAdmin || firm == firm_id;
  }
};

struct StoredSession {
  std::string id_hash;
  int64_t user_id = 0;
  std::string csrf_token;
  Instant created_at{}, last_seen_at{};
};

struct AuditEntry {
  Instant at{};
  std::string actor, firm_id, action, before, after;
};

class AccountStore {
 public:
  AccountStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // --- users (the `user` command and the portal) ---
  // Adds a user; a firm user needs a firm id, a partner admin has none. Throws
  // AccountError if the name is taken or empty.
  void AddUser(const std::string& name, Role role, const std::string& firm_id,
               const std::string& password_hash, const std::string& actor);
  // Replaces the hash, enables the account and ends its sessions.
  void SetPassword(const std::string& name, const std::string& password_hash,
                   const std::string& actor);
  // Disables the account and ends its sessions.
  void Disable(const std::string& name, const std::string& actor);
  std::optional<User> FindUser(const std::string& name);
  std::optional<User> FindUserById(int64_t id);

  // --- login attempts ---
  void RecordLoginAttempt(const std::string& user_name, const std::string& address, bool success);
  // Failed attempts since `since` for the name, and from the address.
  int FailuresOfUser(const std::string& user_name, Instant since);
  int FailuresFromAddress(const std::string& address, Instant since);

  // --- sessions (ids are stored hashed: session.h) ---
  void CreateSession(const StoredSession& session, const std::string& address);
  std::optional<StoredSession> FindSession(const std::string& id_hash);
  void TouchSession(const std::string& id_hash);
  void DeleteSession(const std::string& id_hash);

  // --- audit log ---
  void Audit(const std::string& actor, const std::string& firm_id, const std::string& action,
             const std::string& before, const std::string& after);
  // Newest first; of one firm if `firm_id` is set.
  std::vector<AuditEntry> RecentAudit(std::size_t limit, const std::optional<std::string>& firm_id);

 private:
  // The user of "SELECT <user columns> FROM users WHERE <where>" bound to `key`.
  template <typename Key>
  std::optional<User> FindUserWhere(const char* where, const Key& key);
  int CountFailures(const std::string& column, const std::string& value, Instant since);
  void DeleteSessionsOfUser(SqlConnection& c, int64_t user_id);
  void AuditIn(SqlConnection& c, const std::string& actor, const std::string& firm_id,
               const std::string& action, const std::string& before, const std::string& after);

  Database& db_;
  const Clock& clock_;
};

}  // namespace kehrbote
