#include "dispatcher/web/account_schema.h"

#include <string>

namespace kehrbote {
namespace {

std::string V1(std::string_view key) {
  std::string k(key);
  return "CREATE TABLE users (\n"
         "  id " + k + ",\n"
         "  name TEXT NOT NULL UNIQUE,\n"
         "  role TEXT NOT NULL,\n"
         "  firm_id TEXT NOT NULL DEFAULT '',\n"
         "  password_hash TEXT NOT NULL,\n"
         "  disabled INTEGER NOT NULL DEFAULT 0,\n"
         "  created_at BIGINT NOT NULL,\n"
         "  updated_at BIGINT NOT NULL\n"
         ");\n"
         "CREATE TABLE sessions (\n"
         "  id TEXT PRIMARY KEY,\n"
         "  user_id BIGINT NOT NULL,\n"
         "  csrf_token TEXT NOT NULL,\n"
         "  address TEXT NOT NULL DEFAULT '',\n"
         "  created_at BIGINT NOT NULL,\n"
         "  last_seen_at BIGINT NOT NULL\n"
         ");\n"
         "CREATE INDEX sessions_user ON sessions (user_id);\n"
         "CREATE TABLE login_attempts (\n"
         "  id " + k + ",\n"
         "  user_name TEXT NOT NULL,\n"
         "  address TEXT NOT NULL,\n"
         "  success INTEGER NOT NULL,\n"
         "  at BIGINT NOT NULL\n"
         ");\n"
         "CREATE INDEX login_attempts_user ON login_attempts (user_name, at);\n"
         "CREATE INDEX login_attempts_address ON login_attempts (address, at);\n"
         "CREATE TABLE audit_log (\n"
         "  id " + k + ",\n"
         "  at BIGINT NOT NULL,\n"
         "  actor TEXT NOT NULL,\n"
         "  firm_id TEXT NOT NULL DEFAULT '',\n"
         "  action TEXT NOT NULL,\n"
         "  before TEXT NOT NULL DEFAULT '',\n"
         "  after TEXT NOT NULL DEFAULT ''\n"
         ")\n";
}

}  // namespace

const std::vector<Migration>& WebMigrations() {
  static const std::vector<Migration> migrations = {
      {1, V1("INTEGER PRIMARY KEY AUTOINCREMENT"), V1("BIGSERIAL PRIMARY KEY")},
  };
  return migrations;
}

void MigrateWeb(Database& db) { db.Migrate(kWebComponent, WebMigrations()); }

}  // namespace kehrbote
