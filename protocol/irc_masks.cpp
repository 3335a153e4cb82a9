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
    // A '*' in the pattern is always a wildcard, also where the text has a '*' too (tested
    // first: as a literal match it would leave no star to backtrack to; found by fuzz_irc).
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && (p[pi] == '?' || lower(p[pi]) == lower(s[si]))) {
      ++pi;
      ++si;
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
  // nick!user@host: the nick ends at the first '!', the host starts at the first '@' after it
  // (an '@' before the '!' is part of the nick, so "a@b!c" completes to "a@b!c@*").
  auto bang = m.find('!');
  if (bang == std::string::npos) {
    if (m.find('@') == std::string::npos)
      return (m.empty() ? "*" : m) + "!*@*";
    return "*!" + m;
  }
  if (m.find('@', bang) == std::string::npos)
    return m + "@*";
  return m;
}

bool mask_matches(std::string_view mask, std::string_view who) { return glob(mask, who); }

} // namespace parley::protocol::irc
