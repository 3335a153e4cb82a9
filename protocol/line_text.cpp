// Formats of the line protocol's output (see line_text.hpp and docs/protocol-line.md).
#include "protocol/line_text.hpp"

namespace parley::protocol::text {

namespace {
std::string line(std::string s) {
  s += "\r\n";
  return s;
}
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts)
    s.append(p.data(), p.size());
  return line(std::move(s));
}
} // namespace

std::string info(std::string_view msg) { return cat({"*** ", msg}); }
std::string error(std::string_view msg) { return cat({"ERROR ", msg}); }

std::string chat(std::string_view room, std::string_view sender, std::string_view text) {
  return cat({"[", room, "] ", sender, ": ", text});
}

std::string action(std::string_view room, std::string_view sender, std::string_view text) {
  return cat({"[", room, "] * ", sender, " ", text});
}

std::string room_notice(std::string_view room, std::string_view msg) {
  return cat({"[", room, "] *** ", msg});
}

std::string private_from(std::string_view sender, std::string_view text) {
  return cat({"[private] ", sender, ": ", text});
}

std::string private_to(std::string_view target, std::string_view text) {
  return cat({"[private to ", target, "] ", text});
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty())
      s += ' ';
    s += n;
  }
  return s;
}

std::string greeting() { return info("Welcome to Parley. Type /help after logging in."); }
std::string name_prompt() { return info("Name?"); }

std::string password_prompt(std::string_view name) {
  return cat({"*** Password for ", name, "?"});
}

std::string new_password_prompt(std::string_view name, std::size_t min_length) {
  return cat({"*** New account ", name, ". Choose a password (at least ",
              std::to_string(min_length), " characters)?"});
}

std::string help() {
  std::string s;
  s += info("Commands:");
  s += info("  /join ROOM      join ROOM (created if needed), leaving your current room");
  s += info("  /part           leave your current room");
  s += info("  /rooms          list rooms with their member counts");
  s += info("  /who            list the members of your current room");
  s += info("  /msg NAME TEXT  send TEXT to NAME only");
  s += info("  /me ACTION      tell your room what you are doing");
  s += info("  /quit [REASON]  leave the server");
  s += info("  /help           this list");
  s += info("Any other line goes to everyone in your current room.");
  return s;
}

} // namespace parley::protocol::text
