#include "dispatcher/web/session.h"

#include <sodium.h>

#include <vector>

#include "dispatcher/web/password_hash.h"
#include "shared/env/env.h"

namespace kehrbote {

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  Env::Default().RandomBytes(raw.data(), raw.size());
  std::string hex(2 * bytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();
  return hex;
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

LoginResult Sessions::Login(const std::string& name, const std::string& password,
                            const std::string& address) {
  // A fixed valid hash for unknown names, so that they take as long as known ones.
  static const std::string dummy_hash = HashPassword("kehrbote-no-such-user");
  LoginResult result;
  Instant since = clock_.Now() - throttle_.window;
  if (!throttle_.Allows(accounts_.FailuresOfUser(name, since),
                        accounts_.FailuresFromAddress(address, since))) {
    accounts_.RecordLoginAttempt(name, address, false);
    result.status = LoginStatus::kThrottled;
    return result;
  }
  std::optional<User> user = accounts_.FindUser(name);
  bool ok = VerifyPassword(password, user ? user->password_hash : dummy_hash) && user &&
            !user->disabled;
  accounts_.RecordLoginAttempt(name, address, ok);
  if (!ok) return result;
  StoredSession session;
  result.cookie = RandomHex(32);
  session.id_hash = Sha256Hex(result.cookie);
  session.user_id = user->id;
  session.csrf_token = result.csrf_token = RandomHex(32);
  session.created_at = session.last_seen_at = clock_.Now();
  accounts_.CreateSession(session, address);
  result.status = LoginStatus::kOk;
  result.user = user;
  return result;
}

std::optional<ActiveSession> Sessions::Resolve(const std::string& cookie) {
  if (cookie.size() != 64) return std::nullopt;
  std::string id_hash = Sha256Hex(cookie);
  std::optional<StoredSession> stored = accounts_.FindSession(id_hash);
  if (!stored) return std::nullopt;
  Instant t = clock_.Now();
  if (t - stored->last_seen_at > limits_.idle || t - stored->created_at > limits_.absolute) {
    accounts_.DeleteSession(id_hash);
    return std::nullopt;
  }
  std::optional<User> user = accounts_.FindUserById(stored->user_id);
  if (!user || user->disabled) return std::nullopt;
  // One write a minute at most: a page with many requests does not write each time.
  if (t - stored->last_seen_at >= std::chrono::seconds(60)) accounts_.TouchSession(id_hash);
  return ActiveSession{id_hash, stored->csrf_token, *user};
}

void Sessions::Logout(const std::string& cookie) {
  if (!cookie.empty()) accounts_.DeleteSession(Sha256Hex(cookie));
}

}  // namespace kehrbote
