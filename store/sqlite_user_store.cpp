// The SQLite user store: one database file (WAL mode) holding the `users` table. Statements
// are prepared once per store object and reset after each use; every failure becomes a
// store_error naming the file (never the password hash).
#include "store/user_store.hpp"

#include <sqlite3.h>

#include <utility>

namespace parley::store {

namespace {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

struct stmt_finalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

constexpr const char* create_table_sql =
  "CREATE TABLE IF NOT EXISTS users("
  "name TEXT PRIMARY KEY, "
  "password_hash TEXT NOT NULL, "
  "created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))";

/// Resets and clears a statement when leaving the scope of one call.
class stmt_use {
public:
  explicit stmt_use(sqlite3_stmt* stmt) : stmt_(stmt) {}
  stmt_use(const stmt_use&) = delete;
  stmt_use& operator=(const stmt_use&) = delete;
  ~stmt_use() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

private:
  sqlite3_stmt* stmt_;
};

class sqlite_user_store final : public user_store {
public:
  explicit sqlite_user_store(std::string path) : path_(std::move(path)) {
    open();
    exec("PRAGMA busy_timeout=5000"); // first, so that the statements below wait for a lock too
    exec("PRAGMA journal_mode=WAL");
    exec(create_table_sql);
    exec("PRAGMA user_version = 1");
    select_hash_ = prepare("SELECT password_hash FROM users WHERE name = ?1");
    insert_ = prepare("INSERT INTO users(name, password_hash) VALUES (?1, ?2)");
    delete_ = prepare("DELETE FROM users WHERE name = ?1");
    update_ = prepare("UPDATE users SET password_hash = ?2 WHERE name = ?1");
    select_names_ = prepare("SELECT name FROM users ORDER BY name");
  }

  std::optional<std::string> password_hash(const std::string& name) override {
    stmt_use use{select_hash_.get()};
    bind_text(select_hash_.get(), 1, name);
    if (!step_row(select_hash_.get(), "reading an account"))
      return std::nullopt;
    return column_text(select_hash_.get(), 0);
  }

  bool add_user(const std::string& name, const std::string& hash) override {
    stmt_use use{insert_.get()};
    bind_text(insert_.get(), 1, name);
    bind_text(insert_.get(), 2, hash);
    int rc = sqlite3_step(insert_.get());
    if (rc == SQLITE_DONE)
      return true;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      return false;
    fail("adding an account");
  }

  bool remove_user(const std::string& name) override {
    stmt_use use{delete_.get()};
    bind_text(delete_.get(), 1, name);
    return step_change(delete_.get(), "removing an account");
  }

  bool set_password_hash(const std::string& name, const std::string& hash) override {
    stmt_use use{update_.get()};
    bind_text(update_.get(), 1, name);
    bind_text(update_.get(), 2, hash);
    return step_change(update_.get(), "updating a password hash");
  }

  std::vector<std::string> list_users() override {
    stmt_use use{select_names_.get()};
    std::vector<std::string> names;
    while (step_row(select_names_.get(), "listing accounts"))
      names.push_back(column_text(select_names_.get(), 0));
    return names;
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    std::string msg = "user store " + path_ + ": " + what + " failed: ";
    msg += db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
    throw store_error(msg);
  }

  void open() {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                               | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    db_.reset(raw); // closes the handle even when opening failed
    if (rc != SQLITE_OK)
      fail("opening");
  }

  void exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      fail(std::string{"executing '"} + sql + "'");
  }

  stmt_ptr prepare(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK)
      fail(std::string{"preparing '"} + sql + "'");
    return stmt_ptr{raw};
  }

  void bind_text(sqlite3_stmt* stmt, int index, const std::string& value) {
    if (sqlite3_bind_text(stmt, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT)
        != SQLITE_OK)
      fail("binding a parameter");
  }

  /// Steps a query: true if a row is available, false when done.
  bool step_row(sqlite3_stmt* stmt, const char* what) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
      return true;
    if (rc == SQLITE_DONE)
      return false;
    fail(what);
  }

  /// Runs a data change: true if it touched at least one row.
  bool step_change(sqlite3_stmt* stmt, const char* what) {
    if (sqlite3_step(stmt) != SQLITE_DONE)
      fail(what);
    return sqlite3_changes(db_.get()) > 0;
  }

  static std::string column_text(sqlite3_stmt* stmt, int col) {
    auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
    auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, col));
    return text ? std::string{text, size} : std::string{};
  }

  std::string path_;
  db_ptr db_;
  stmt_ptr select_hash_;
  stmt_ptr insert_;
  stmt_ptr delete_;
  stmt_ptr update_;
  stmt_ptr select_names_;
};

} // namespace

std::unique_ptr<user_store> open_sqlite_user_store(const std::string& path) {
  return std::make_unique<sqlite_user_store>(path);
}

} // namespace parley::store
