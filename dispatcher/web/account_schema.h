// The web portal's tables (migration component "web"), beside the store's:
//
//   users(id PK, name UNIQUE, role 'partner_admin'|'firm_user', firm_id ('' for
//     partner admins), password_hash (libsodium crypto_pwhash_str, Argon2id),
//     disabled 0/1, created_at, updated_at)
//   sessions(id PK = hex SHA-256 of the cookie value (the store never holds a
//     usable cookie), user_id, csrf_token, address, created_at, last_seen_at)
//   login_attempts(id PK, user_name, address, success 0/1, at)   for throttling
//   audit_log(id PK, at, actor, firm_id, action, before, after)   every change
//     made through the portal or the `user` command; before/after are short
//     texts or JSON, never a password or a hash.
//
// All timestamps are BIGINT unix seconds (UTC). Nothing of the portal's state
// lives in memory only, so several `web` instances can share one store.
#pragma once

#include <vector>

#include "dispatcher/store/database.h"

namespace kehrbote {

inline constexpr const char* kWebComponent = "web";
const std::vector<Migration>& WebMigrations();

// Database::Migrate("web", WebMigrations()).
void MigrateWeb(Database& db);

}  // namespace kehrbote
