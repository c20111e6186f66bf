#include "dispatcher/web/account_store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "dispatcher/store/record_values.h"

namespace kehrbote {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace {

Poco::Int64 Seconds(Instant t) { return t.time_since_epoch().count(); }
Instant FromSeconds(Poco::Int64 s) { return Instant(std::chrono::seconds(s)); }

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
  Poco::Int64 t = Seconds(clock_.Now());
  std::string role_text = ToString(role);
  Poco::Int64 disabled = 0;
  db_.InTransaction([&](Session& s) {
    s << db_.Sql("INSERT INTO users (name, role, firm_id, password_hash, disabled, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        bind(name), bind(role_text), bind(firm_id), bind(password_hash), bind(disabled), bind(t),
        bind(t), now;
    AuditIn(s, actor, firm_id, "user add", "", name + " (" + role_text + ")");
  });
}

void AccountStore::SetPassword(const std::string& name, const std::string& password_hash,
                               const std::string& actor) {
  std::optional<User> user = FindUser(name);
  if (!user) throw AccountError("user '" + name + "' unknown");
  Poco::Int64 t = Seconds(clock_.Now());
  db_.InTransaction([&](Session& s) {
    s << db_.Sql("UPDATE users SET password_hash = ?, disabled = 0, updated_at = ? WHERE name = ?"),
        bind(password_hash), bind(t), bind(name), now;
    DeleteSessionsOfUser(s, user->id);
    AuditIn(s, actor, user->firm_id, "user passwd", user->disabled ? "disabled" : "",
            "password changed");
  });
}

void AccountStore::Disable(const std::string& name, const std::string& actor) {
  std::optional<User> user = FindUser(name);
  if (!user) throw AccountError("user '" + name + "' unknown");
  Poco::Int64 t = Seconds(clock_.Now());
  db_.InTransaction([&](Session& s) {
    s << db_.Sql("UPDATE users SET disabled = 1, updated_at = ? WHERE name = ?"), bind(t),
        bind(name), now;
    DeleteSessionsOfUser(s, user->id);
    AuditIn(s, actor, user->firm_id, "user disable", user->disabled ? "disabled" : "enabled",
            "disabled");
  });
}

template <typename Key>
std::optional<User> AccountStore::FindUserWhere(const char* where, const Key& key) {
  Session s = db_.GetSession();
  Statement st(s);
  st << db_.Sql(std::string("SELECT id, name, role, firm_id, password_hash, disabled FROM users "
                            "WHERE ") + where),
      bind(key);
  st.execute();
  RecordSet rs(st);
  if (rs.rowCount() == 0) return std::nullopt;
  User u;
  u.id = IntAt(rs, 0, 0);
  u.name = StringAt(rs, 1, 0);
  u.role = ParseRole(StringAt(rs, 2, 0));
  u.firm_id = StringAt(rs, 3, 0);
  u.password_hash = StringAt(rs, 4, 0);
  u.disabled = IntAt(rs, 5, 0) != 0;
  return u;
}

std::optional<User> AccountStore::FindUser(const std::string& name) {
  return FindUserWhere("name = ?", name);
}

std::optional<User> AccountStore::FindUserById(int64_t id) {
  return FindUserWhere("id = ?", static_cast<Poco::Int64>(id));
}

void AccountStore::RecordLoginAttempt(const std::string& user_name, const std::string& address,
                                      bool success) {
  Poco::Int64 t = Seconds(clock_.Now());
  Poco::Int64 ok = success ? 1 : 0;
  Session s = db_.GetSession();
  s << db_.Sql("INSERT INTO login_attempts (user_name, address, success, at) VALUES (?, ?, ?, ?)"),
      bind(user_name), bind(address), bind(ok), bind(t), now;
}

int AccountStore::CountFailures(const std::string& column, const std::string& value,
                                Instant since) {
  Poco::Int64 from = Seconds(since);
  Session s = db_.GetSession();
  Statement st(s);
  // `column` is one of two fixed names, never user input.
  st << db_.Sql("SELECT COUNT(*) FROM login_attempts WHERE " + column +
                " = ? AND at >= ? AND success = 0"),
      bind(value), bind(from);
  st.execute();
  RecordSet rs(st);
  return static_cast<int>(IntAt(rs, 0, 0));
}

int AccountStore::FailuresOfUser(const std::string& user_name, Instant since) {
  return CountFailures("user_name", user_name, since);
}

int AccountStore::FailuresFromAddress(const std::string& address, Instant since) {
  return CountFailures("address", address, since);
}

void AccountStore::CreateSession(const StoredSession& session, const std::string& address) {
  Poco::Int64 user = session.user_id;
  Poco::Int64 created = Seconds(session.created_at), seen = Seconds(session.last_seen_at);
  Session s = db_.GetSession();
  s << db_.Sql("INSERT INTO sessions (id, user_id, csrf_token, address, created_at, last_seen_at) "
               "VALUES (?, ?, ?, ?, ?, ?)"),
      bind(session.id_hash), bind(user), bind(session.csrf_token), bind(address), bind(created),
      bind(seen), now;
}

std::optional<StoredSession> AccountStore::FindSession(const std::string& id_hash) {
  Session s = db_.GetSession();
  Statement st(s);
  st << db_.Sql("SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id = ?"),
      bind(id_hash);
  st.execute();
  RecordSet rs(st);
  if (rs.rowCount() == 0) return std::nullopt;
  StoredSession out;
  out.id_hash = id_hash;
  out.user_id = IntAt(rs, 0, 0);
  out.csrf_token = StringAt(rs, 1, 0);
  out.created_at = FromSeconds(IntAt(rs, 2, 0));
  out.last_seen_at = FromSeconds(IntAt(rs, 3, 0));
  return out;
}

void AccountStore::TouchSession(const std::string& id_hash) {
  Poco::Int64 t = Seconds(clock_.Now());
  Session s = db_.GetSession();
  s << db_.Sql("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), bind(t), bind(id_hash), now;
}

void AccountStore::DeleteSession(const std::string& id_hash) {
  Session s = db_.GetSession();
  s << db_.Sql("DELETE FROM sessions WHERE id = ?"), bind(id_hash), now;
}

void AccountStore::DeleteSessionsOfUser(Session& s, int64_t user_id) {
  Poco::Int64 id = user_id;
  s << db_.Sql("DELETE FROM sessions WHERE user_id = ?"), bind(id), now;
}

void AccountStore::Audit(const std::string& actor, const std::string& firm_id,
                         const std::string& action, const std::string& before,
                         const std::string& after) {
  Session s = db_.GetSession();
  AuditIn(s, actor, firm_id, action, before, after);
}

void AccountStore::AuditIn(Session& s, const std::string& actor, const std::string& firm_id,
                           const std::string& action, const std::string& before,
                           const std::string& after) {
  Poco::Int64 t = Seconds(clock_.Now());
  s << db_.Sql("INSERT INTO audit_log (at, actor, firm_id, action, before, after) "
               "VALUES (?, ?, ?, ?, ?, ?)"),
      bind(t), bind(actor), bind(firm_id), bind(action), bind(before), bind(after), now;
}

std::vector<AuditEntry> AccountStore::RecentAudit(std::size_t limit,
                                                  const std::optional<std::string>& firm_id) {
  Session s = db_.GetSession();
  Statement st(s);
  Poco::Int64 n = static_cast<Poco::Int64>(limit);
  std::string sql = "SELECT at, actor, firm_id, action, before, after FROM audit_log";
  if (firm_id) sql += " WHERE firm_id = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  st << db_.Sql(sql);
  if (firm_id) st, bind(*firm_id);
  st, bind(n);
  st.execute();
  RecordSet rs(st);
  std::vector<AuditEntry> out;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    out.push_back({FromSeconds(IntAt(rs, 0, r)), StringAt(rs, 1, r), StringAt(rs, 2, r),
                   StringAt(rs, 3, r), StringAt(rs, 4, r), StringAt(rs, 5, r)});
  }
  return out;
}

}  // namespace kehrbote
