// The SQLite user store: one database file (WAL mode) holding the `users` table. Statements
// are prepared once per store object and reset after each use; every failure becomes a
// store_error naming the file (never the password hash).
//
// Several processes use the file at once: `parley serve` (one connection per authenticator
// worker) and any number of `parley user` commands. The rules that make that safe (see
// docs/architecture.md, "User store"):
//  - every statement runs in its own transaction (autocommit) and is reset at once, so no
//    connection holds a lock between two requests, and each read sees the latest commit;
//  - the busy timeout is set on the handle before any statement, so a statement that meets a
//    lock waits for it (up to busy_timeout_ms) instead of failing;
//  - opening writes nothing when the file is already set up: the journal mode is switched to
//    WAL only if it is not WAL yet, and that switch is retried (see ensure_wal());
//  - synchronous=FULL: a change is on disk (the WAL fsynced) before the call returns, so what
//    the server acknowledged survives a crash of the process and of the machine.
#include "store/user_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>
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

/// How long a statement waits for a lock held by another connection before it fails.
constexpr int busy_timeout_ms = 5000;

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
    // Before any statement, so that every one below waits for a lock too.
    if (sqlite3_busy_timeout(db_.get(), busy_timeout_ms) != SQLITE_OK)
      fail("setting the busy timeout");
    ensure_wal();
    exec("PRAGMA synchronous=FULL"); // per connection: acknowledged means on disk
    ensure_schema();
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

  /// Runs a one-row, one-column query (a PRAGMA); its text, or the SQLite result code on failure.
  int query_text(const char* sql, std::string& out) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
    if (rc != SQLITE_OK)
      return rc;
    stmt_ptr stmt{raw};
    rc = sqlite3_step(raw);
    if (rc == SQLITE_ROW) {
      out = column_text(raw, 0);
      return SQLITE_OK;
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  /// Puts the file in WAL mode unless it is there already (the mode is stored in the file).
  ///
  /// Issue #18: `PRAGMA journal_mode=WAL` on a file still in rollback mode (a new file) reads
  /// the header and then upgrades its read lock to a write lock. When another connection wins
  /// that race (two processes or two workers opening a new file at once), SQLite returns
  /// SQLITE_BUSY at once without calling the busy handler (waiting there, holding a read lock,
  /// could deadlock), so the busy timeout did not help and the open failed with "database is
  /// locked". Here the current mode is read first (reading waits through the busy handler; on
  /// a file already in WAL mode that is all), and a switch that meets SQLITE_BUSY is tried
  /// again after a short pause, within the busy timeout; by then the winner has usually
  /// switched the file, and the retry finds it in WAL mode.
  void ensure_wal() {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::milliseconds{busy_timeout_ms};
    auto pause = std::chrono::milliseconds{1};
    for (;;) {
      std::string mode;
      int rc = query_text("PRAGMA journal_mode", mode);
      if (rc == SQLITE_OK && mode == "wal")
        return;
      if (rc == SQLITE_OK)
        rc = query_text("PRAGMA journal_mode=WAL", mode);
      if (rc == SQLITE_OK && mode == "wal")
        return;
      if (rc == SQLITE_OK) // the file cannot be in WAL mode (no shared memory, read-only, ...)
        throw store_error("user store " + path_ + ": cannot switch to WAL mode (journal mode is "
                          + mode + ")");
      if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
        fail("executing 'PRAGMA journal_mode=WAL'");
      if (clock::now() + pause > deadline)
        fail("executing 'PRAGMA journal_mode=WAL'");
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds{50});
    }
  }

  /// Creates the table on a new file, in one write transaction; writes nothing otherwise.
  /// BEGIN IMMEDIATE takes the write lock before reading anything, so it waits in the busy
  /// handler instead of failing on a read-to-write upgrade.
  void ensure_schema() {
    std::string version;
    if (query_text("PRAGMA user_version", version) != SQLITE_OK)
      fail("reading the schema version");
    if (version != "0")
      return;
    exec("BEGIN IMMEDIATE");
    try {
      exec(create_table_sql);
      exec("PRAGMA user_version = 1");
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
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
