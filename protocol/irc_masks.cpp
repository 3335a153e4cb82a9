// IRC ban masks (see irc_masks.hpp).
#include "protocol/irc_masks.hpp"

#include <cctype>

namespace parley::protocol::irc {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Glob match with '*' (any run) and '?' (one character); iterative, so a hostile mask with many
// stars costs O(len(mask) * len(who)) at most, never exponential time.
bool glob(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || lower(p[pi]) == lower(s[si]))) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*')
    ++pi;
  return pi == p.size();
}

} // namespace

std::string normalize_mask(std::string_view mask) {
  std::string m;
  for (char c : mask)
    m.push_back(lower(c));
  auto bang = m.find('!');
  auto at = m.find('@');
  if (bang == std::string::npos && at == std::string::npos)
    return (m.empty() ? "*" : m) + "!*@*";
  if (bang == std::string::npos)
    return "*!" + m;
  if (at == std::string::npos)
    return m + "@*";
  return m;
}

bool mask_matches(std::string_view mask, std::string_view who) { return glob(mask, who); }

} // namespace parley::protocol::irc
