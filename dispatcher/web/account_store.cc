#include "dispatcher/web/account_store.h"

namespace kehrbote {

namespace {

int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }
Instant FromSeconds(int64_t s) { return Instant(std::chrono::seconds(s)); }

// The columns ReadUser reads, in its order.
constexpr const char* kUserColumns = "id, name, role, firm_id, password_hash, disabled";

// The users row `q` stands on (selected with kUserColumns).
User ReadUser(const SqlStatement& q) {
  User u;
  u.id = q.Int(0);
  u.name = q.Text(1);
  u.role = ParseRole(q.Text(2));
  u.firm_id = q.Text(3);
  u.password_hash = q.Text(4);
  u.disabled = q.Int(5) != 0;
  return u;
}

// The sessions row `q` stands on: "SELECT id, user_id, csrf_token, created_at, last_seen_at".
StoredSession ReadSession(const SqlStatement& q) {
  StoredSession out;
  out.id_hash = q.Text(0);
  out.user_id = q.Int(1);
  out.csrf_token = q.Text(2);
  out.created_at = FromSeconds(q.Int(3));
  out.last_seen_at = FromSeconds(q.Int(4));
  return out;
}

// The audit_log row `q` stands on: "SELECT at, actor, firm_id, action, before, after".
AuditEntry ReadAuditEntry(const SqlStatement& q) {
  return {FromSeconds(q.Int(0)), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5)};
}

}  // namespace

std::string ToString(Role role) {
  return role == Role::kPartnerAdmin ? "partner_admin" : "firm_user";
}

Role ParseRole(const std::string& text) {
  if (text == "partner_admin") return Role::kPartnerAdmin;
  if (text == "firm_user") return Role::kFirmUser;
  throw AccountError("role '" + text + "' unknown (partner_admin or firm_user)");
}

void AccountStore::AddUser(const std::string& name, Role role, const std::string& firm_id,
                           const std::string& password_hash, const std::string& actor) {
  if (name.empty()) throw AccountError("user name is empty");
  if (role == Role::kFirmUser && firm_id.empty())
    throw AccountError("user '" + name + "': a firm user needs --firm");
  if (role == Role::kPartnerAdmin && !firm_id.empty())
    throw AccountError("user '" + name + "': a partner admin belongs to no firm");
  if (FindUser(name)) throw AccountError("user '" + name + "' exists already");
  const int64_t t = Seconds(clock_.Now());
  const std::string role_text = ToString(role);
  db_.InTransaction([&](SqlConnection& c) {
    Execute(c,
            "INSERT INTO users (name, role, firm_id, password_hash, disabled, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
            name, role_text, firm_id, password_hash, t, t);
    AuditIn(c, actor, firm_id, "user add", "", name + " (" + role_text + ")");
  });
}

void AccountStore::SetPassword(const std::string& name, const std::string& password_hash,
                               const std::string& actor) {
  std::optional<User> user = FindUser(name);
  if (!user) throw AccountError("user '" + name + "' unknown");
  const int64_t t = Seconds(clock_.Now());
  db_.InTransaction([&](SqlConnection& c) {
    Execute(c, "UPDATE users SET password_hash = ?, disabled = 0, updated_at = ? WHERE name = ?",
            password_hash, t, name);
    DeleteSessionsOfUser(c, user->id);
    AuditIn(c, actor, user->firm_id, "user passwd", user->disabled ? "disabled" : "",
            "password changed");
  });
}

void AccountStore::Disable(const std::string& name, const std::string& actor) {
  std::optional<User> user = FindUser(name);
  if (!user) throw AccountError("user '" + name + "' unknown");
  const int64_t t = Seconds(clock_.Now());
  db_.InTransaction([&](SqlConnection& c) {
    Execute(c, "UPDATE users SET disabled = 1, updated_at = ? WHERE name = ?", t, name);
    DeleteSessionsOfUser(c, user->id);
    AuditIn(c, actor, user->firm_id, "user disable", user->disabled ? "disabled" : "enabled",
            "disabled");
  });
}

template <typename Key>
std::optional<User> AccountStore::FindUserWhere(const char* where, const Key& key) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where);
  q.Bind(1, key);
  if (!q.Step()) return std::nullopt;
  return ReadUser(q);
}

std::optional<User> AccountStore::FindUser(const std::string& name) {
  return FindUserWhere("name = ?", name);
}

std::optional<User> AccountStore::FindUserById(int64_t id) { return FindUserWhere("id = ?", id); }

void AccountStore::RecordLoginAttempt(const std::string& user_name, const std::string& address,
                                      bool success) {
  const int64_t t = Seconds(clock_.Now());
  Execute(*db_.Connect(),
          "INSERT INTO login_attempts (user_name, address, success, at) VALUES (?, ?, ?, ?)",
          user_name, address, success, t);
}

int AccountStore::CountFailures(const std::string& column, const std::string& value,
                                Instant since) {
  // `column` is one of two fixed names, never user input.
  return static_cast<int>(QueryInt(*db_.Connect(),
                                   "SELECT COUNT(*) FROM login_attempts WHERE " + column +
                                       " = ? AND at >= ? AND success = 0",
                                   value, Seconds(since))
                              .value_or(0));
}

int AccountStore::FailuresOfUser(const std::string& user_name, Instant since) {
  return CountFailures("user_name", user_name, since);
}

int AccountStore::FailuresFromAddress(const std::string& address, Instant since) {
  return CountFailures("address", address, since);
}

void AccountStore::CreateSession(const StoredSession& session, const std::string& address) {
  Execute(*db_.Connect(),
          "INSERT INTO sessions (id, user_id, csrf_token, address, created_at, last_seen_at) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          session.id_hash, session.user_id, session.csrf_token, address,
          Seconds(session.created_at), Seconds(session.last_seen_at));
}

std::optional<StoredSession> AccountStore::FindSession(const std::string& id_hash) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c,
                 "SELECT id, user_id, csrf_token, created_at, last_seen_at FROM sessions "
                 "WHERE id = ?");
  q.Bind(1, id_hash);
  if (!q.Step()) return std::nullopt;
  return ReadSession(q);
}

void AccountStore::TouchSession(const std::string& id_hash) {
  Execute(*db_.Connect(), "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
          Seconds(clock_.Now()), id_hash);
}

void AccountStore::DeleteSession(const std::string& id_hash) {
  Execute(*db_.Connect(), "DELETE FROM sessions WHERE id = ?", id_hash);
}

void AccountStore::DeleteSessionsOfUser(SqlConnection& c, int64_t user_id) {
  Execute(c, "DELETE FROM sessions WHERE user_id = ?", user_id);
}

void AccountStore::Audit(const std::string& actor, const std::string& firm_id,
                         const std::string& action, const std::string& before,
                         const std::string& after) {
  AuditIn(*db_.Connect(), actor, firm_id, action, before, after);
}

void AccountStore::AuditIn(SqlConnection& c, const std::string& actor, const std::string& firm_id,
                           const std::string& action, const std::string& before,
                           const std::string& after) {
  Execute(c,
          "INSERT INTO audit_log (at, actor, firm_id, action, before, after) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          Seconds(clock_.Now()), actor, firm_id, action, before, after);
}

std::vector<AuditEntry> AccountStore::RecentAudit(std::size_t limit,
                                                  const std::optional<std::string>& firm_id) {
  PooledConnection c = db_.Connect();
  std::string sql = "SELECT at, actor, firm_id, action, before, after FROM audit_log";
  if (firm_id) sql += " WHERE firm_id = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  SqlStatement q(*c, sql);
  int pos = 0;
  if (firm_id) q.Bind(++pos, *firm_id);
  q.Bind(++pos, static_cast<int64_t>(limit));
  std::vector<AuditEntry> out;
  while (q.Step()) out.push_back(ReadAuditEntry(q));
  return out;
}

}  // namespace kehrbote
