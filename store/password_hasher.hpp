// Password hashing, CAF-free. The live server stores argon2id hashes (libsodium
// crypto_pwhash_str); verification is deliberately slow, which is why it runs in the
// authenticator's workers and never on a room's or the listener's message path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace parley::store {

class password_hasher {
public:
  virtual ~password_hasher() = default;
  /// A self-describing hash string of `password` (salt and parameters included).
  virtual std::string hash(const std::string& password) = 0;
  /// Whether `password` matches `hash`; false for a malformed hash.
  virtual bool verify(const std::string& hash, const std::string& password) = 0;
};

/// Cost of argon2id: `interactive` is libsodium's recommendation for logins; `minimal` is for
/// tests only (fast, still a real argon2id hash).
enum class hash_cost { interactive, minimal };

/// argon2id via libsodium; throws std::runtime_error if libsodium cannot start.
std::unique_ptr<password_hasher> make_argon2id_hasher(hash_cost cost);

/// argon2id with the minimal cost and salts drawn from a seeded generator instead of the OS,
/// so a simulated run that registers accounts is the same every time for the same seed.
std::unique_ptr<password_hasher> make_seeded_argon2id_hasher(std::uint64_t seed);

} // namespace parley::store
