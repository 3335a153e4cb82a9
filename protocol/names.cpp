// Name rules for users and rooms (see names.hpp).
#include "protocol/names.hpp"

#include <cctype>

namespace parley::protocol {

namespace {
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
} // namespace

std::optional<std::string> normalize_user_name(std::string_view name) {
  if (name.empty() || name.size() > max_name_length || !is_ascii_letter(name.front()))
    return std::nullopt;
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '_' && c != '-')
      return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<std::string> normalize_room_name(std::string_view name) {
  if (!name.empty() && name.front() == '#')
    name.remove_prefix(1);
  return normalize_user_name(name);
}

const char* name_rule() {
  return "names are 1 to 32 letters, digits, '_' or '-', starting with a letter";
}

} // namespace parley::protocol
