// LoginThrottle: when a login may be tried at all (pure; the counts come from
// AccountStore's login_attempts, so every `web` instance applies the same limit).
//
// Within `window`, an account accepts `max_per_account` failed logins and an
// address `max_per_address` (higher: an office shares one address); beyond that
// every login of that account / from that address is refused, right or wrong
// password, until the failures age out of the window. Refused tries are
// recorded as failures too, so guessing on keeps the lock.
#pragma once

#include <chrono>

namespace kehrbote {

struct LoginThrottle {
  std::chrono::seconds window{15 * 60};
  int max_per_account = 5;
  int max_per_address = 20;

  bool Allows(int account_failures, int address_failures) const {
    return account_failures < max_per_account && address_failures < max_per_address;
  }
};

}  // namespace kehrbote
