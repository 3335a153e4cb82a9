// The user store: accounts and their password hashes. CAF-free. The live server uses SQLite
// (one file in the data directory, WAL mode); the simulator and unit tests use the in-memory
// store. Names arrive already normalised (lower case, see protocol/names.hpp).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::store {

/// Opening or using the store failed (file not writable, corrupt database, ...).
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class user_store {
public:
  virtual ~user_store() = default;

  /// The stored hash of `name`, or nothing if there is no such account.
  virtual std::optional<std::string> password_hash(const std::string& name) = 0;

  /// Adds an account; false if `name` exists already.
  virtual bool add_user(const std::string& name, const std::string& hash) = 0;

  /// Removes an account; false if there was none.
  virtual bool remove_user(const std::string& name) = 0;

  /// Replaces the hash of an existing account; false if there is no such account.
  virtual bool set_password_hash(const std::string& name, const std::string& hash) = 0;

  /// All account names, sorted.
  virtual std::vector<std::string> list_users() = 0;
};

/// Opens (creating if needed) the SQLite store at `path`; throws store_error.
std::unique_ptr<user_store> open_sqlite_user_store(const std::string& path);

/// The accounts of an in-memory store; several store objects may share one (one per
/// authenticator worker), so access is guarded by a mutex.
struct memory_accounts {
  std::mutex mtx;
  std::map<std::string, std::string> hashes;
};

std::unique_ptr<user_store> make_memory_user_store(std::shared_ptr<memory_accounts> accounts);

/// Opens a new store object for one worker (each authenticator worker owns one).
using store_factory = std::function<std::unique_ptr<user_store>()>;

} // namespace parley::store
