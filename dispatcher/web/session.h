// Sessions: login, logout and the session behind a request's cookie.
//
// A login checks the throttle (login_throttle.h), then the password (Argon2id;
// an unknown name costs the same hash, so timing does not tell names apart),
// and on success creates a NEW session (the cookie is rotated at every login,
// so a cookie planted before the login is worthless). The cookie value is 32
// random bytes (hex); the store keeps only its SHA-256, with the session's CSRF
// token (32 random bytes, hex), the user and created/last-seen times.
//
// A session ends after `idle` without a request and `absolute` after its
// login, whichever is first (checked against the Clock on every request), and
// at logout; disabling a user or changing the password ends all of theirs.
//
// Threads: any number at once; all state is in the store (AccountStore).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "dispatcher/web/account_store.h"
#include "dispatcher/web/login_throttle.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct SessionLimits {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{12 * 60 * 60};
};

enum class LoginStatus { kOk, kWrong, kThrottled };

struct LoginResult {
  LoginStatus status = LoginStatus::kWrong;
  std::string cookie;      // the new session's cookie value (kOk only)
  std::string csrf_token;  // its CSRF token (kOk only)
  std::optional<User> user;
};

struct ActiveSession {
  std::string id_hash;
  std::string csrf_token;
  User user;
};

class Sessions {
 public:
  Sessions(AccountStore& accounts, const Clock& clock, SessionLimits limits = {},
           LoginThrottle throttle = {})
      : accounts_(accounts), clock_(clock), limits_(limits), throttle_(throttle) {}

  // `address` is the client's (the proxy's X-Forwarded-For when trusted).
  LoginResult Login(const std::string& name, const std::string& password,
                    const std::string& address);
  // The live session of `cookie` (and marks it used), or nullopt if unknown,
  // timed out (then deleted) or its user disabled.
  std::optional<ActiveSession> Resolve(const std::string& cookie);
  void Logout(const std::string& cookie);

 private:
  AccountStore& accounts_;
  const Clock& clock_;
  SessionLimits limits_;
  LoginThrottle throttle_;
};

// `bytes` random bytes from Env, as lower-case hex.
std::string RandomHex(std::size_t bytes);
// Constant-time comparison (CSRF tokens).
bool SameSecret(const std::string& a, const std::string& b);

}  // namespace kehrbote
