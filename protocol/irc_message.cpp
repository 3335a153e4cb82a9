// Parsing and serialising IRC messages (see irc_message.hpp).
#include "protocol/irc_message.hpp"

#include <algorithm>
#include <cassert>

namespace parley::protocol::irc {

namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_line_break_or_nul(char c) { return c == '\0' || c == '\r' || c == '\n'; }

void skip_spaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
}

/// Takes the characters up to the next space (or the end) off the front of `s`.
std::string_view take_word(std::string_view& s) {
  auto word = s.substr(0, s.find(' '));
  s.remove_prefix(word.size());
  return word;
}

/// The tags section of a line ("@..." up to, not including, the first space), or "".
std::string_view tags_section(std::string_view line) {
  if (line.empty() || line.front() != '@')
    return {};
  return line.substr(0, line.find(' '));
}

/// What follows the tags section and the spaces after it.
std::string_view body_of(std::string_view line) {
  line.remove_prefix(tags_section(line).size());
  skip_spaces(line);
  return line;
}

// --- tags -------------------------------------------------------------------------------

bool valid_tag_key(std::string_view key) {
  if (!key.empty() && key.front() == '+')
    key.remove_prefix(1);
  if (key.empty() || key.back() == '/')
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return is_letter(c) || is_digit(c) || c == '-' || c == '.' || c == '/';
  });
}

void set_tag(std::vector<std::pair<std::string, std::string>>& tags, std::string key,
             std::string value) {
  for (auto& [k, v] : tags)
    if (k == key) {
      v = std::move(value);
      return;
    }
  tags.emplace_back(std::move(key), std::move(value));
}

/// Parses "@a=b;c" (the section without its space) into `out`; false on a bad key.
bool parse_tags(std::string_view section, irc_message& out) {
  section.remove_prefix(1); // '@'
  while (!section.empty()) {
    auto item = section.substr(0, section.find(';'));
    section.remove_prefix(std::min(section.size(), item.size() + 1));
    if (item.empty())
      continue;
    auto eq = item.find('=');
    auto key = item.substr(0, eq);
    if (!valid_tag_key(key))
      return false;
    auto raw = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    set_tag(out.tags, std::string{key}, unescape_tag_value(raw));
  }
  return true;
}

// --- prefix, command, params -------------------------------------------------------------

bool normalize_command(std::string_view word, std::string& out) {
  bool letters = !word.empty() && std::all_of(word.begin(), word.end(), is_letter);
  bool numeric = word.size() == 3 && std::all_of(word.begin(), word.end(), is_digit);
  if (!letters && !numeric)
    return false;
  out.clear();
  for (char c : word)
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  return true;
}

/// Parses the params after the command; nullptr or the reason for failing.
const char* parse_params(std::string_view rest, std::vector<std::string>& params) {
  for (;;) {
    skip_spaces(rest);
    if (rest.empty())
      return nullptr;
    if (params.size() == max_irc_params)
      return "too many parameters";
    if (rest.front() == ':') {
      params.emplace_back(rest.substr(1));
      return nullptr;
    }
    params.emplace_back(take_word(rest));
  }
}

/// Parses prefix, command and params; nullptr or the reason for failing.
const char* parse_body(std::string_view body, irc_message& out) {
  if (!body.empty() && body.front() == ':') {
    auto word = take_word(body);
    if (word.size() == 1)
      return "empty prefix";
    out.prefix = std::string{word.substr(1)};
    skip_spaces(body);
  }
  if (body.empty())
    return "missing command";
  if (!normalize_command(take_word(body), out.command))
    return "bad command";
  return parse_params(body, out.params);
}

/// The checks on the raw line; nullptr or the reason for refusing it.
const char* check_line(std::string_view line) {
  if (line.find_first_not_of(' ') == std::string_view::npos)
    return "empty line";
  if (std::any_of(line.begin(), line.end(), is_line_break_or_nul))
    return "NUL, CR or LF in line";
  if (!tags_section(line).empty() && tags_section(line).size() + 1 > max_tag_bytes)
    return "tags too long";
  if (body_of(line).size() + 2 > max_irc_line_bytes)
    return "line too long";
  return nullptr;
}

const char* parse_into(std::string_view line, irc_message& out) {
  if (auto why = check_line(line))
    return why;
  auto tags = tags_section(line);
  if (!tags.empty() && !parse_tags(tags, out))
    return "bad tag key";
  return parse_body(body_of(line), out);
}

// --- formatting ---------------------------------------------------------------------------

/// Appends `s` without NUL, CR and LF.
void append_clean(std::string& out, std::string_view s) {
  for (char c : s)
    if (!is_line_break_or_nul(c))
      out.push_back(c);
}

void append_tags(std::string& out, const irc_message& msg) {
  if (msg.tags.empty())
    return;
  out.push_back('@');
  for (std::size_t i = 0; i < msg.tags.size(); ++i) {
    if (i > 0)
      out.push_back(';');
    append_clean(out, msg.tags[i].first);
    if (!msg.tags[i].second.empty())
      out += "=" + escape_tag_value(msg.tags[i].second);
  }
  out.push_back(' ');
}

bool needs_colon(std::string_view last) {
  return last.empty() || last.find(' ') != std::string_view::npos || last.front() == ':';
}

[[maybe_unused]] bool valid_middle(std::string_view p) {
  return !p.empty() && p.find(' ') == std::string_view::npos && p.front() != ':';
}

void append_params(std::string& out, const std::vector<std::string>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    bool last = i + 1 == params.size();
    assert(last || valid_middle(params[i]));
    out += last && needs_colon(params[i]) ? " :" : " ";
    append_clean(out, params[i]);
  }
}

} // namespace

bool operator==(const irc_message& a, const irc_message& b) {
  return a.tags == b.tags && a.prefix == b.prefix && a.command == b.command &&
         a.params == b.params;
}

std::optional<irc_message> parse_irc_line(std::string_view line, std::string* error) {
  irc_message msg;
  if (auto why = parse_into(line, msg)) {
    if (error)
      *error = why;
    return std::nullopt;
  }
  return msg;
}

bool irc_line_too_long(std::string_view line) {
  auto tags = tags_section(line);
  return (!tags.empty() && tags.size() + 1 > max_tag_bytes) ||
         body_of(line).size() + 2 > max_irc_line_bytes;
}

std::string format_irc(const irc_message& msg) {
  std::string out;
  append_tags(out, msg);
  if (!msg.prefix.empty()) {
    out.push_back(':');
    append_clean(out, msg.prefix);
    out.push_back(' ');
  }
  append_clean(out, msg.command);
  append_params(out, msg.params);
  out += "\r\n";
  return out;
}

std::string escape_tag_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case ';': out += "\\:"; break;
      case ' ': out += "\\s"; break;
      case '\\': out += "\\\\"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string unescape_tag_value(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out.push_back(raw[i]);
      continue;
    }
    if (++i == raw.size())
      break; // a lone '\' at the end is dropped
    switch (raw[i]) {
      case ':': out.push_back(';'); break;
      case 's': out.push_back(' '); break;
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      default: out.push_back(raw[i]); // "\\" and unknown escapes
    }
  }
  return out;
}

} // namespace parley::protocol::irc
