// Password hashing for portal accounts: Argon2id through libsodium's
// crypto_pwhash_str (the hash string carries salt and cost, so the cost can be
// raised later without invalidating stored hashes).
//
// Thread-safe (libsodium is initialised once, on first use).
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

struct PasswordCost {
  unsigned long long ops;
  std::size_t mem_bytes;
};
// libsodium's INTERACTIVE limits (64 MiB, about 0.1 s): the default for logins.
PasswordCost InteractivePasswordCost();
// The smallest allowed cost: for tests and benchmarks only.
PasswordCost MinimalPasswordCost();

// The Argon2id hash string ("$argon2id$v=19$m=...") of `password`. Throws
// std::runtime_error if libsodium cannot allocate the memory.
std::string HashPassword(std::string_view password, PasswordCost cost = InteractivePasswordCost());

// True if `password` matches `hash`; false for a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& hash);

// Hex SHA-256 of `text` (session ids are stored hashed; uploads are named by it).
std::string Sha256Hex(std::string_view text);

}  // namespace kehrbote
