// How room events and private messages look to IRC clients. The room renders every event once
// per protocol (line protocol and IRC), and each connection picks its own; so N members still
// share one buffer per protocol. CAF-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/room_event.hpp"

namespace parley::protocol::irc {

/// "2026-11-27T20:41:07.123Z" for milliseconds since the Unix epoch: the server-time tag's form.
std::string iso_time(std::int64_t wall_ms);

/// The tags an event carries for a client with server-time and/or account-tag enabled, as
/// "@time=...;account=... " (ready to put before the line), or "" when there are none.
/// `account` may be empty (an anonymous user): then no account tag.
std::string event_tags(bool server_time, std::int64_t wall_ms, bool account_tag,
                       std::string_view account);

/// The IRC channel of a room: "lobby" -> "#lobby".
std::string channel_of(std::string_view room);

/// "nick!user@host" for a Parley user (the user part is the account name).
std::string mask_of(std::string_view nick, std::string_view host);

/// At most `max_bytes` of `text`, cut before a UTF-8 character rather than inside it (for the
/// TOPICLEN and AWAYLEN limits).
std::string_view cut_utf8(std::string_view text, std::size_t max_bytes);
/// `text`, cut so that `fixed_bytes` of line around it, the text and CRLF fit
/// max_irc_line_bytes (tags have their own budget): a client may send 510 bytes of its own, and
/// the prefix the server adds must not make the relayed line longer than clients accept. The
/// cut does not split a UTF-8 character.
std::string_view fit_text(std::size_t fixed_bytes, std::string_view text);

/// A message as relayed to IRC clients, the text cut to fit max_irc_line_bytes (fit_text).
std::string privmsg(std::string_view mask, std::string_view target, std::string_view text);
std::string notice(std::string_view mask, std::string_view target, std::string_view text);
std::string action(std::string_view mask, std::string_view target, std::string_view text);
std::string join(std::string_view mask, std::string_view room);
std::string part(std::string_view mask, std::string_view room, std::string_view reason);
std::string quit(std::string_view mask, std::string_view reason);
/// ":mask MODE #room +o-v bob carol"
std::string mode(std::string_view mask, std::string_view channel, std::string_view letters,
                 const std::vector<std::string>& args);
std::string topic(std::string_view mask, std::string_view channel, std::string_view text);
std::string kick(std::string_view mask, std::string_view channel, std::string_view target,
                 std::string_view reason);
std::string nick(std::string_view mask, std::string_view new_nick);
/// AWAY with a message, or a bare AWAY when `text` is empty (back), for away-notify.
std::string away(std::string_view mask, std::string_view text);
std::string invite(std::string_view mask, std::string_view target, std::string_view channel);

/// How a room event or private message reads for IRC clients (without tags: the room adds
/// those per route), from the functions above.
std::string render_irc(const room_event& ev);

} // namespace parley::protocol::irc
