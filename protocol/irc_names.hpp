// IRC names: CASEMAPPING=rfc1459 case folding, nickname and channel name rules (Modern IRC
// client protocol), ban-mask matching ('*' and '?', case-insensitive) and "nick!user@host"
// masks. CAF-free. Unit-tested in tests/test_irc_protocol.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::protocol::irc {

constexpr std::size_t default_nick_length = 30;    ///< NICKLEN
constexpr std::size_t default_channel_length = 50; ///< CHANNELLEN

/// rfc1459 casemapping of one byte: A-Z -> a-z, '[' -> '{', ']' -> '}', '\' -> '|', '~' -> '^'.
char casefold_char(char c);

/// rfc1459 casemapping of a string; other bytes (UTF-8 included) are left alone.
std::string casefold(std::string_view s);

/// Equal under the rfc1459 casemapping.
bool casefold_equal(std::string_view a, std::string_view b);

/// 1..max_len bytes; no space, ',', '*', '?', '!', '@' or control character; not starting with
/// '$', ':', '#', '&', '+' (a channel type or membership prefix), a digit or '-'.
bool valid_nick(std::string_view nick, std::size_t max_len = default_nick_length);

/// '#' followed by at least one byte, max_len bytes in all; no space, ',' or ^G (BEL), and no
/// NUL, CR or LF (which no IRC line can carry).
bool valid_channel(std::string_view name, std::size_t max_len = default_channel_length);

/// Glob match for ban masks: '*' matches any run of bytes, '?' exactly one; everything else
/// compares under the rfc1459 casemapping. There is no escape character.
bool mask_match(std::string_view mask, std::string_view text);

/// "nick!user@host".
std::string user_mask(std::string_view nick, std::string_view user, std::string_view host);

} // namespace parley::protocol::irc
