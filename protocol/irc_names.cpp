// IRC name rules, case folding and mask matching (see irc_names.hpp).
#include "protocol/irc_names.hpp"

#include <algorithm>

namespace parley::protocol::irc {

namespace {

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool forbidden_in_nick(char c) {
  return c == ' ' || c == ',' || c == '*' || c == '?' || c == '!' || c == '@' || is_control(c);
}

bool forbidden_nick_start(char c) {
  return c == '$' || c == ':' || c == '#' || c == '&' || c == '+' || c == '-' ||
         (c >= '0' && c <= '9');
}

bool forbidden_in_channel(char c) {
  return c == ' ' || c == ',' || c == '\x07' || c == '\0' || c == '\r' || c == '\n';
}

bool same_folded(char a, char b) { return casefold_char(a) == casefold_char(b); }

} // namespace

char casefold_char(char c) {
  if (c >= 'A' && c <= 'Z')
    return static_cast<char>(c - 'A' + 'a');
  switch (c) {
    case '[': return '{';
    case ']': return '}';
    case '\\': return '|';
    case '~': return '^';
    default: return c;
  }
}

std::string casefold(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), casefold_char);
  return out;
}

bool casefold_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_folded);
}

bool valid_nick(std::string_view nick, std::size_t max_len) {
  if (nick.empty() || nick.size() > max_len || forbidden_nick_start(nick.front()))
    return false;
  return std::none_of(nick.begin(), nick.end(), forbidden_in_nick);
}

bool valid_channel(std::string_view name, std::size_t max_len) {
  if (name.size() < 2 || name.size() > max_len || name.front() != '#')
    return false;
  return std::none_of(name.begin(), name.end(), forbidden_in_channel);
}

bool mask_match(std::string_view mask, std::string_view text) {
  constexpr auto none = std::string_view::npos;
  std::size_t m = 0, t = 0;
  std::size_t star = none, resume = 0; // the last '*' seen, and where its match ends so far
  while (t < text.size()) {
    if (m < mask.size() && mask[m] == '*') {
      star = m++;
      resume = t;
    } else if (m < mask.size() && (mask[m] == '?' || same_folded(mask[m], text[t]))) {
      ++m;
      ++t;
    } else if (star != none) {
      m = star + 1; // let the last '*' swallow one more byte and retry
      t = ++resume;
    } else {
      return false;
    }
  }
  while (m < mask.size() && mask[m] == '*')
    ++m;
  return m == mask.size();
}

std::string user_mask(std::string_view nick, std::string_view user, std::string_view host) {
  std::string out;
  out.reserve(nick.size() + user.size() + host.size() + 2);
  out.append(nick).append("!").append(user).append("@").append(host);
  return out;
}

} // namespace parley::protocol::irc
