// Fuzz target: one IRC line as a client sends it (protocol/irc_message: tags, prefix, command,
// parameters) and the ban masks a MODE +b may carry (protocol/irc_masks). docs/fuzzing.md.
// The input is the line without its CRLF (the line framing is fuzz_line's). Asserts:
//  - parse_irc_line refuses a line with one of its documented reasons, and every line that
//    irc_line_too_long flags;
//  - an accepted message is well formed (command upper-case letters or three digits, at most
//    15 params, middle params non-empty, without spaces, not starting with ':', no NUL, CR or
//    LF anywhere, valid tag keys);
//  - round trip: format_irc gives one line (one CRLF, at the end) that parses back to the same
//    message, and formatting that gives the same bytes;
//  - unescape_tag_value(escape_tag_value(x)) == x for any bytes x;
//  - normalize_mask completes a mask to nick!user@host, in lower case, idempotently, and
//    mask_matches agrees with a reference glob matcher (dynamic programming).
#include <algorithm>
#include <cstring>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "protocol/irc_masks.hpp"
#include "protocol/irc_message.hpp"

using namespace parley::protocol::irc;

namespace {

bool is_reason(const std::string& why) {
  static const char* reasons[] = {"empty line",         "NUL, CR or LF in line", "tags too long",
                                  "line too long",      "bad tag key",           "empty prefix",
                                  "missing command",    "bad command",           "too many parameters"};
  return std::any_of(std::begin(reasons), std::end(reasons),
                     [&](const char* r) { return why == r; });
}

bool clean(const std::string& s) { return s.find_first_of(std::string{"\r\n\0", 3}) == s.npos; }

void check_well_formed(const irc_message& m) {
  FUZZ_CHECK(!m.command.empty());
  bool letters = std::all_of(m.command.begin(), m.command.end(),
                             [](char c) { return c >= 'A' && c <= 'Z'; });
  bool numeric = m.command.size() == 3 && std::all_of(m.command.begin(), m.command.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  FUZZ_CHECK(letters || numeric);
  FUZZ_CHECK(m.params.size() <= max_irc_params);
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    FUZZ_CHECK(clean(m.params[i]));
    if (i + 1 < m.params.size())
      FUZZ_CHECK(!m.params[i].empty() && m.params[i].find(' ') == std::string::npos &&
                 m.params[i][0] != ':');
  }
  FUZZ_CHECK(clean(m.prefix) && m.prefix.find(' ') == std::string::npos);
  for (const auto& tag : m.tags) {
    const auto& key = tag.first;
    FUZZ_CHECK(!key.empty() && key.find_first_of("=; ") == std::string::npos && clean(key));
    FUZZ_CHECK(std::count_if(m.tags.begin(), m.tags.end(),
                             [&](const auto& t) { return t.first == key; }) == 1);
  }
}

void check_round_trip(const irc_message& m) {
  auto line = format_irc(m);
  FUZZ_CHECK(line.size() >= 2 && line.find_first_of("\r\n") == line.size() - 2);
  std::string why;
  auto again = parse_irc_line(std::string_view{line}.substr(0, line.size() - 2), &why);
  if (!again) {
    std::fprintf(stderr, "formatted line %s refused: %s\n", line.c_str(), why.c_str());
    FUZZ_CHECK(again);
  }
  FUZZ_CHECK(*again == m);
  FUZZ_CHECK(format_irc(*again) == line);
}

// Reference glob: '*' any run, '?' one character, letters case-insensitively.
bool reference_glob(std::string_view p, std::string_view s) {
  auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  std::vector<char> row(s.size() + 1, 0), next(s.size() + 1, 0);
  row[0] = 1;
  for (std::size_t j = 1; j <= s.size(); ++j)
    row[j] = 0;
  for (char pc : p) {
    next.assign(s.size() + 1, 0);
    next[0] = pc == '*' && row[0];
    for (std::size_t j = 1; j <= s.size(); ++j) {
      if (pc == '*')
        next[j] = row[j] || next[j - 1];
      else
        next[j] = row[j - 1] && (pc == '?' || low(pc) == low(s[j - 1]));
    }
    row.swap(next);
  }
  return row[s.size()];
}

void check_masks(std::string_view mask, std::string_view who) {
  auto m = normalize_mask(mask);
  FUZZ_CHECK(normalize_mask(m) == m);
  auto bang = m.find('!');
  FUZZ_CHECK(bang != std::string::npos && m.find('@', bang) != std::string::npos);
  FUZZ_CHECK(std::none_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  FUZZ_CHECK(mask_matches(m, who) == reference_glob(m, who));
  FUZZ_CHECK(mask_matches(mask, who) == reference_glob(mask, who));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto line = parley::fuzz::as_text(data, size);
  std::string why;
  auto msg = parse_irc_line(line, &why);
  if (irc_line_too_long(line))
    FUZZ_CHECK(!msg);
  if (!msg) {
    FUZZ_CHECK(is_reason(why));
  } else {
    check_well_formed(*msg);
    check_round_trip(*msg);
    if (msg->params.size() >= 2 && msg->params[0].size() <= 300 && msg->params[1].size() <= 300)
      check_masks(msg->params[0], msg->params[1]);
  }
  std::string raw{line};
  FUZZ_CHECK(unescape_tag_value(escape_tag_value(raw)) == raw);
  return 0;
}
