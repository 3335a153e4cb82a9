// Fuzz target: the line protocol's input path without actors (docs/fuzzing.md). The bytes are
// a client's stream: line framing (protocol/line_codec), the text check every line gets
// (check_line), what a logged-in client's line asks for (protocol/line_command), the name rules
// (protocol/names) and the lines the server renders from accepted input (protocol/line_text).
// Asserts:
//  - framing does not depend on how the stream is split into reads (whole vs. pieces);
//  - it agrees with a reference framer: LF, CR or CRLF end a line, a line over the limit is
//    reported once as too_long and its bytes dropped; a decoded line never exceeds the limit
//    and never holds CR or LF;
//  - check_line agrees with a reference UTF-8 decoder (no overlongs, surrogates or code points
//    above U+10FFFF; no C0 controls but TAB, no DEL, no NUL);
//  - parse_chat_line loses nothing ("/" + name + " " + arg gives the line back, up to case);
//  - a normalised name obeys the rule, is lower case and normalises to itself;
//  - a line rendered from an accepted line is one line: exactly one CRLF, at the end.
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "protocol/line_codec.hpp"
#include "protocol/line_command.hpp"
#include "protocol/line_text.hpp"
#include "protocol/names.hpp"

using namespace parley::protocol;

namespace {

using lines = std::vector<decoded_line>;

bool same(const lines& a, const lines& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].what != b[i].what || a[i].text != b[i].text)
      return false;
  return true;
}

// The framing rules written plainly, over the whole stream at once.
lines reference_frame(std::string_view s, std::size_t max) {
  lines out;
  std::string cur;
  bool too_long = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') {
      if (!too_long)
        out.push_back({decoded_line::kind::line, cur});
      cur.clear();
      too_long = false;
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
      continue;
    }
    if (too_long)
      continue;
    if (cur.size() == max) {
      out.push_back({decoded_line::kind::too_long, {}});
      cur.clear();
      too_long = true;
      continue;
    }
    cur.push_back(c);
  }
  return out;
}

lines frame_in_pieces(std::string_view s, std::size_t max, std::uint32_t seed, bool& mid) {
  line_decoder d{max};
  lines out;
  while (!s.empty()) {
    seed = seed * 1103515245u + 12345u;
    auto n = std::min<std::size_t>(s.size(), 1 + (seed >> 16) % 7);
    d.feed(s.substr(0, n), out);
    s.remove_prefix(n);
  }
  mid = d.mid_line();
  return out;
}

// A plain UTF-8 decoder: the reference for check_line.
line_problem reference_check(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0)
      return line_problem::nul_byte;
    if ((c < 0x20 && c != '\t') || c == 0x7F)
      return line_problem::control_character;
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return line_problem::invalid_utf8;
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80)
        return line_problem::invalid_utf8;
      cp = (cp << 6) | (b & 0x3F);
    }
    static const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return line_problem::invalid_utf8;
    i += n;
  }
  return line_problem::none;
}

bool one_line(const std::string& rendered) {
  return rendered.size() >= 2 && rendered.find_first_of("\r\n") == rendered.size() - 2 &&
         rendered.compare(rendered.size() - 2, 2, "\r\n") == 0;
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s)
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return out;
}

void check_name(std::string_view raw, bool room) {
  auto n = room ? normalize_room_name(raw) : normalize_user_name(raw);
  if (!n)
    return;
  FUZZ_CHECK(!n->empty() && n->size() <= max_name_length);
  FUZZ_CHECK(n->front() >= 'a' && n->front() <= 'z');
  for (char c : *n)
    FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  FUZZ_CHECK(normalize_user_name(*n) == n);
  FUZZ_CHECK(lower(room && !raw.empty() && raw[0] == '#' ? raw.substr(1) : raw) == *n);
}

void check_chat_line(const std::string& line) {
  auto in = parse_chat_line(line);
  switch (in.what) {
    case chat_input::kind::empty:
      FUZZ_CHECK(line.empty());
      return;
    case chat_input::kind::say:
      FUZZ_CHECK(in.text == line || "/" + in.text == line);
      FUZZ_CHECK(one_line(text::chat("lobby", "alice", in.text)));
      return;
    case chat_input::kind::command: {
      FUZZ_CHECK(in.name.find(' ') == std::string::npos && lower(in.name) == in.name);
      auto back = "/" + in.name + (line.find(' ') == std::string::npos ? "" : " " + in.arg);
      FUZZ_CHECK(back == lower(line.substr(0, line.find(' '))) +
                           (line.find(' ') == std::string::npos ? "" : line.substr(line.find(' '))));
      check_name(in.arg, true);
      auto [target, text] = split_first_word(in.arg);
      FUZZ_CHECK(target.find(' ') == std::string::npos);
      FUZZ_CHECK(in.arg.find(' ') == std::string::npos ? target == in.arg
                                                       : target + " " + text == in.arg);
      check_name(target, false);
      FUZZ_CHECK(one_line(text::error("unknown command /" + in.name + "; try /help")));
      return;
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto stream = parley::fuzz::as_text(data, size);
  std::uint32_t seed = 2166136261u;
  for (char c : stream)
    seed = (seed ^ static_cast<unsigned char>(c)) * 16777619u;
  for (std::size_t max : {std::size_t{512}, std::size_t{1} + seed % 24}) {
    line_decoder whole{max};
    lines got;
    whole.feed(stream, got);
    bool mid = false;
    FUZZ_CHECK(same(got, frame_in_pieces(stream, max, seed, mid)));
    FUZZ_CHECK(mid == whole.mid_line());
    FUZZ_CHECK(same(got, reference_frame(stream, max)));
    for (const auto& l : got) {
      FUZZ_CHECK(l.text.size() <= max && l.text.find_first_of("\r\n") == std::string::npos);
      FUZZ_CHECK(l.what == decoded_line::kind::line || l.text.empty());
      auto problem = check_line(l.text);
      FUZZ_CHECK(problem == reference_check(l.text));
      if (max == 512 && problem == line_problem::none)
        check_chat_line(l.text);
    }
  }
  check_name(stream, false);
  check_name(stream, true);
  return 0;
}
