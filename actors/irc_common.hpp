// Internal to the IRC session: the output helpers and command handlers its source files share
// (irc_session.cpp: registration, capabilities, the command table, users and operators;
// irc_channels.cpp: channels and messages).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/connection_state.hpp"
#include "protocol/irc_message.hpp"
#include "protocol/irc_numerics.hpp"

namespace parley::detail::ircs {

using protocol::irc::irc_message;
using protocol::irc::numeric;

// --- Output (irc_session.cpp) ---

void send_msg(connection_self self, const irc_message& m);
/// A numeric to this client; middle parameters are cut to one word (they echo client input).
void reply(connection_self self, numeric n, std::vector<std::string> middle = {},
           std::string trailing = {});
/// The same, addressed to `target` instead of the client's nick (`*` for a client whose nick
/// was just refused during registration).
void reply_to(connection_self self, const std::string& target, numeric n,
              std::vector<std::string> middle, std::string trailing = {});
void server_line(connection_self self, const std::string& command,
                 std::vector<std::string> params);
/// An event line about this client itself (its JOIN, NICK, echoed PRIVMSG), with the message
/// tags its capabilities ask for.
void write_event(connection_self self, const std::string& line);
std::string my_mask(connection_self self);
bool registered(connection_self self);
/// The request's failure, as IRC clients understand it (FAIL ... TEMPORARILY_UNAVAILABLE).
std::function<void(caf::error&)> failed(connection_self self, const char* command);
/// Wall-clock milliseconds since the Unix epoch (the actor clock plus the configured offset).
std::int64_t wall_ms(connection_self self);
/// A fresh id for deliver_text::once.
std::uint64_t next_once(connection_self self);

// --- Shared helpers (irc_channels.cpp) ---

/// "#lobby" -> "lobby"; nothing for names that are not channels.
std::optional<std::string> room_of(const std::string& channel);
std::vector<std::string> split_commas(const std::string& s);
/// Each item of a multi-target command runs as its own step, in order.
void for_each_target(connection_self self, std::vector<std::string> items,
                     std::function<void(const std::string&)> step);

// --- Channel commands (irc_channels.cpp) ---

void cmd_join(connection_self self, const irc_message& m);
void cmd_part(connection_self self, const irc_message& m);
void cmd_privmsg(connection_self self, const irc_message& m);
void cmd_notice(connection_self self, const irc_message& m);
void cmd_names(connection_self self, const irc_message& m);
void cmd_who(connection_self self, const irc_message& m);
void cmd_list(connection_self self, const irc_message& m);
void cmd_topic(connection_self self, const irc_message& m);
void cmd_channel_mode(connection_self self, const irc_message& m);
void cmd_kick(connection_self self, const irc_message& m);
void cmd_invite(connection_self self, const irc_message& m);
/// Tells every joined channel (away-notify, WHO flags) that this client went away or is back.
void announce_away(connection_self self);
/// Moves every joined channel to this client's new nick (after the directory agreed).
void rename_in_channels(connection_self self, const std::string& old_nick);

} // namespace parley::detail::ircs
