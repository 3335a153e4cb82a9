// One IRC message (RFC 1459/2812, the Modern IRC client protocol, IRCv3 message-tags): parsing a
// received line into tags, prefix, command and params, and serialising a message back to a line.
// CAF-free and socket-free; splitting the byte stream into lines is line_codec's job.
// Unit-tested in tests/test_irc_protocol.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::protocol::irc {

/// The message body, CRLF included and tags excluded (RFC 1459 2.3, Modern IRC).
constexpr std::size_t max_irc_line_bytes = 512;
/// The tags section, its leading '@' and the space after it included (IRCv3 message-tags).
constexpr std::size_t max_tag_bytes = 8191;
/// Parameters per message, the trailing one included.
constexpr std::size_t max_irc_params = 15;

struct irc_message {
  std::vector<std::pair<std::string, std::string>> tags; ///< unescaped values; "" when absent
  std::string prefix;                                    ///< the source, without ':'; may be ""
  std::string command;                                   ///< upper case, or three digits
  std::vector<std::string> params;                       ///< the trailing one is a normal param
};

bool operator==(const irc_message& a, const irc_message& b);
inline bool operator!=(const irc_message& a, const irc_message& b) { return !(a == b); }

/// Parses one line without its CRLF. On failure returns nothing and, when `error` is set,
/// stores why: "empty line", "NUL, CR or LF in line", "tags too long", "line too long",
/// "bad tag key", "empty prefix", "missing command", "bad command", "too many parameters".
/// Multiple spaces between parts are tolerated, as are spaces at the end of the line. A tag
/// given twice keeps its first position and its last value.
std::optional<irc_message> parse_irc_line(std::string_view line, std::string* error);

/// True when the line (without CRLF) breaks max_tag_bytes or max_irc_line_bytes: the server
/// answers such a line with ERR_INPUTTOOLONG (417). parse_irc_line refuses these lines too.
bool irc_line_too_long(std::string_view line);

/// Serialises with a CRLF at the end. The last param gets a ':' when it is empty, contains a
/// space or starts with ':'; every other param must be non-empty, free of spaces and not start
/// with ':' (asserted). NUL, CR and LF are dropped from prefix, command and params, so no value
/// can smuggle in a second line; tag values are escaped.
std::string format_irc(const irc_message& msg);

/// IRCv3 tag value escaping: ';' -> "\:", ' ' -> "\s", '\' -> "\\", CR -> "\r", LF -> "\n".
std::string escape_tag_value(std::string_view value);

/// The reverse of escape_tag_value; an unknown escape "\x" stands for 'x' and a lone '\' at the
/// end is dropped.
std::string unescape_tag_value(std::string_view raw);

} // namespace parley::protocol::irc
