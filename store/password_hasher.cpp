// Password hashers over libsodium: the real argon2id hasher (random salts, libsodium's own
// "$argon2id$..." strings) and the seeded one for the simulator (salts from splitmix64,
// "sim-argon2id$<hex salt>$<hex hash>" strings). Passwords are never logged.
#include "store/password_hasher.hpp"

#include <sodium.h>

#include <array>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace parley::store {

namespace {

void init_sodium() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = sodium_init(); });
  if (rc == -1)
    throw std::runtime_error("libsodium could not be initialised");
}

// -- the real hasher ---------------------------------------------------------

class argon2id_hasher final : public password_hasher {
public:
  argon2id_hasher(unsigned long long opslimit, std::size_t memlimit)
    : opslimit_(opslimit), memlimit_(memlimit) {}

  std::string hash(const std::string& password) override {
    char out[crypto_pwhash_argon2id_STRBYTES];
    if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), opslimit_,
                                   memlimit_)
        != 0)
      throw std::runtime_error("argon2id hashing failed (out of memory?)");
    return std::string{out};
  }

  bool verify(const std::string& hash, const std::string& password) override {
    if (hash.empty() || hash.size() >= crypto_pwhash_argon2id_STRBYTES)
      return false;
    return crypto_pwhash_argon2id_str_verify(hash.c_str(), password.data(), password.size())
           == 0;
  }

private:
  unsigned long long opslimit_;
  std::size_t memlimit_;
};

// -- the seeded hasher -------------------------------------------------------

constexpr const char* sim_prefix = "sim-argon2id$";
constexpr std::size_t sim_hash_bytes = 32;
using salt_bytes = std::array<unsigned char, crypto_pwhash_argon2id_SALTBYTES>;
using hash_bytes = std::array<unsigned char, sim_hash_bytes>;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

template <std::size_t N>
std::string to_hex(const std::array<unsigned char, N>& bytes) {
  std::vector<char> out(N * 2 + 1);
  sodium_bin2hex(out.data(), out.size(), bytes.data(), N);
  return std::string{out.data()};
}

/// Decodes exactly N bytes of hex; false if `hex` is anything else.
template <std::size_t N>
bool from_hex(const std::string& hex, std::array<unsigned char, N>& bytes) {
  if (hex.size() != N * 2)
    return false;
  std::size_t len = 0;
  const char* end = nullptr;
  int rc = sodium_hex2bin(bytes.data(), N, hex.data(), hex.size(), nullptr, &len, &end);
  return rc == 0 && len == N && end == hex.data() + hex.size();
}

bool raw_argon2id(const std::string& password, const salt_bytes& salt, hash_bytes& out) {
  return crypto_pwhash_argon2id(out.data(), out.size(), password.data(), password.size(),
                                salt.data(), crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                crypto_pwhash_argon2id_MEMLIMIT_MIN,
                                crypto_pwhash_ALG_ARGON2ID13)
         == 0;
}

/// Splits "sim-argon2id$<salt>$<hash>" into its decoded parts.
bool parse_sim_hash(const std::string& str, salt_bytes& salt, hash_bytes& hash) {
  const std::string prefix{sim_prefix};
  if (str.compare(0, prefix.size(), prefix) != 0)
    return false;
  auto sep = str.find('$', prefix.size());
  if (sep == std::string::npos)
    return false;
  return from_hex(str.substr(prefix.size(), sep - prefix.size()), salt)
         && from_hex(str.substr(sep + 1), hash);
}

class seeded_argon2id_hasher final : public password_hasher {
public:
  explicit seeded_argon2id_hasher(std::uint64_t seed) : state_(seed) {}

  std::string hash(const std::string& password) override {
    salt_bytes salt = next_salt();
    hash_bytes out;
    if (!raw_argon2id(password, salt, out))
      throw std::runtime_error("argon2id hashing failed (out of memory?)");
    return sim_prefix + to_hex(salt) + "$" + to_hex(out);
  }

  bool verify(const std::string& hash, const std::string& password) override {
    salt_bytes salt;
    hash_bytes expected;
    hash_bytes actual;
    if (!parse_sim_hash(hash, salt, expected) || !raw_argon2id(password, salt, actual))
      return false;
    return sodium_memcmp(expected.data(), actual.data(), actual.size()) == 0;
  }

private:
  salt_bytes next_salt() {
    salt_bytes salt;
    for (std::size_t i = 0; i < salt.size(); i += 8) {
      std::uint64_t word = splitmix64(state_);
      for (std::size_t j = 0; j < 8 && i + j < salt.size(); ++j)
        salt[i + j] = static_cast<unsigned char>(word >> (8 * j));
    }
    return salt;
  }

  std::uint64_t state_;
};

} // namespace

std::unique_ptr<password_hasher> make_argon2id_hasher(hash_cost cost) {
  init_sodium();
  if (cost == hash_cost::minimal)
    return std::make_unique<argon2id_hasher>(crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                             crypto_pwhash_argon2id_MEMLIMIT_MIN);
  return std::make_unique<argon2id_hasher>(crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                           crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
}

std::unique_ptr<password_hasher> make_seeded_argon2id_hasher(std::uint64_t seed) {
  init_sodium();
  return std::make_unique<seeded_argon2id_hasher>(seed);
}

} // namespace parley::store
