// RPL_ISUPPORT (005): the feature tokens Parley advertises after registration, built from a
// small config and split into as many 005 replies as needed (at most 13 tokens per reply, as
// a message has at most 15 params, and at most max_irc_line_bytes per line). CAF-free.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/channel_modes.hpp"
#include "protocol/irc_message.hpp"

namespace parley::protocol::irc {

constexpr std::size_t max_isupport_tokens = 13;

struct isupport_config {
  std::string network = "Parley";
  std::size_t nicklen = 30;
  std::size_t channellen = 50;
  std::size_t topiclen = 307;
  std::string casemapping = "rfc1459";
  std::string chantypes = "#";
  std::string chanmodes = chanmodes_token(); ///< from the channel-mode table
  std::string prefix = prefix_token();
  std::size_t modes = max_mode_args;
  std::size_t awaylen = 200;
  std::vector<std::string> extra; ///< further ready-made tokens, e.g. "SAFELIST", "EXCEPTS=e"
};

/// ISUPPORT value escaping: '\' -> "\x5C", ' ' -> "\x20", '=' -> "\x3D".
std::string escape_isupport_value(std::string_view value);

/// The tokens in a fixed order: NETWORK, NICKLEN, CHANNELLEN, TOPICLEN, CASEMAPPING, CHANTYPES,
/// CHANMODES, PREFIX, MODES, AWAYLEN, then `extra`.
std::vector<std::string> isupport_tokens(const isupport_config& config);

/// Splits tokens into groups of at most `per_line`, in order.
std::vector<std::vector<std::string>> split_isupport(const std::vector<std::string>& tokens,
                                                     std::size_t per_line = max_isupport_tokens);

/// The 005 replies: ":server 005 nick TOKEN... :are supported by this server", each at most
/// max_isupport_tokens tokens and (unless one token alone is longer) max_irc_line_bytes bytes.
std::vector<irc_message> isupport_lines(const std::string& server, const std::string& nick,
                                        const isupport_config& config);

} // namespace parley::protocol::irc
