// `parley user add|del|list|passwd`: account administration on the user store. Passwords come
// from the terminal (not echoed, asked twice) or, when stdin is not a terminal, from its first
// line, so scripts can pipe them in. They are never taken from the command line.
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "protocol/names.hpp"
#include "store/password_hasher.hpp"
#include "store/user_store.hpp"

namespace parley::app {

namespace {

std::string read_hidden_line(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << '\n';
  return line;
}

// The new password, or nothing (after an error message) if it cannot be had.
std::optional<std::string> read_password(std::size_t min_length) {
  std::string pw;
  if (isatty(STDIN_FILENO)) {
    pw = read_hidden_line("Password: ");
    if (read_hidden_line("Again: ") != pw) {
      std::cerr << "parley: the passwords differ\n";
      return std::nullopt;
    }
  } else if (!std::getline(std::cin, pw)) {
    std::cerr << "parley: no password on stdin\n";
    return std::nullopt;
  }
  if (!pw.empty() && pw.back() == '\r')
    pw.pop_back();
  if (pw.size() < min_length) {
    std::cerr << "parley: password too short (at least " << min_length << " characters)\n";
    return std::nullopt;
  }
  return pw;
}

int set_password(store::user_store& users, const std::string& name, bool is_new) {
  auto pw = read_password(6);
  if (!pw)
    return 1;
  auto hash = store::make_argon2id_hasher(store::hash_cost::interactive)->hash(*pw);
  bool ok = is_new ? users.add_user(name, hash) : users.set_password_hash(name, hash);
  if (!ok) {
    std::cerr << "parley: " << (is_new ? "user exists: " : "no such user: ") << name << '\n';
    return 1;
  }
  std::cout << (is_new ? "added user " : "changed password of ") << name << '\n';
  return 0;
}

int dispatch(store::user_store& users, user_action action, const std::string& name) {
  switch (action) {
    case user_action::list:
      for (const auto& n : users.list_users())
        std::cout << n << '\n';
      return 0;
    case user_action::del:
      if (!users.remove_user(name)) {
        std::cerr << "parley: no such user: " << name << '\n';
        return 1;
      }
      std::cout << "deleted user " << name << '\n';
      return 0;
    case user_action::add:
      return set_password(users, name, true);
    case user_action::passwd:
      return set_password(users, name, false);
  }
  return 1;
}

} // namespace

int run_user(const common_options& common, user_action action, const std::string& raw_name) {
  std::string name;
  if (action != user_action::list) {
    auto n = protocol::normalize_user_name(raw_name);
    if (!n) {
      std::cerr << "parley: invalid name '" << raw_name << "': " << protocol::name_rule() << '\n';
      return 1;
    }
    name = *n;
  }
  try {
    std::filesystem::create_directories(common.data_dir);
    auto users = store::open_sqlite_user_store(user_store_path(common));
    return dispatch(*users, action, name);
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << '\n';
    return 1;
  }
}

} // namespace parley::app
