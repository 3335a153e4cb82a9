// RPL_ISUPPORT tokens and their 005 replies (see irc_isupport.hpp).
#include "protocol/irc_isupport.hpp"

#include "protocol/irc_numerics.hpp"

#include <algorithm>

namespace parley::protocol::irc {

namespace {

std::string token(const char* name, std::string_view value) {
  return std::string{name} + "=" + escape_isupport_value(value);
}

std::string token(const char* name, std::size_t value) {
  return std::string{name} + "=" + std::to_string(value);
}

/// The bytes of a 005 reply with no tokens: ":server 005 nick :text\r\n".
std::size_t empty_reply_bytes(const std::string& server, const std::string& nick) {
  return format_irc(make_numeric(server, numeric::RPL_ISUPPORT, nick, {}, "")).size();
}

/// Groups tokens so that each group fits `budget` bytes (one space each) and `per_line`.
std::vector<std::vector<std::string>> split_by_bytes(const std::vector<std::string>& tokens,
                                                     std::size_t budget) {
  std::vector<std::vector<std::string>> groups;
  std::size_t used = 0;
  for (const auto& t : tokens) {
    bool full = !groups.empty() && (groups.back().size() == max_isupport_tokens ||
                                    used + 1 + t.size() > budget);
    if (groups.empty() || full) {
      groups.emplace_back();
      used = 0;
    }
    groups.back().push_back(t);
    used += 1 + t.size();
  }
  return groups;
}

} // namespace

std::string escape_isupport_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\x5C"; break;
      case ' ': out += "\\x20"; break;
      case '=': out += "\\x3D"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> isupport_tokens(const isupport_config& c) {
  std::vector<std::string> tokens{
      token("NETWORK", c.network),         token("NICKLEN", c.nicklen),
      token("CHANNELLEN", c.channellen),   token("TOPICLEN", c.topiclen),
      token("CASEMAPPING", c.casemapping), token("CHANTYPES", c.chantypes),
      token("CHANMODES", c.chanmodes),     token("PREFIX", c.prefix),
      token("MODES", c.modes),             token("AWAYLEN", c.awaylen)};
  tokens.insert(tokens.end(), c.extra.begin(), c.extra.end());
  return tokens;
}

std::vector<std::vector<std::string>> split_isupport(const std::vector<std::string>& tokens,
                                                     std::size_t per_line) {
  std::vector<std::vector<std::string>> groups;
  per_line = std::max<std::size_t>(per_line, 1);
  for (std::size_t i = 0; i < tokens.size(); i += per_line) {
    auto end = std::min(tokens.size(), i + per_line);
    groups.emplace_back(tokens.begin() + i, tokens.begin() + end);
  }
  return groups;
}

std::vector<irc_message> isupport_lines(const std::string& server, const std::string& nick,
                                        const isupport_config& config) {
  auto fixed = empty_reply_bytes(server, nick);
  auto budget = fixed < max_irc_line_bytes ? max_irc_line_bytes - fixed : 0;
  std::vector<irc_message> out;
  for (auto& group : split_by_bytes(isupport_tokens(config), budget))
    out.push_back(make_numeric(server, numeric::RPL_ISUPPORT, nick, std::move(group), ""));
  return out;
}

} // namespace parley::protocol::irc
