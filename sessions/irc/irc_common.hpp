// Internal to the IRC session: its state, and the output helpers and command handlers its
// source files share (one concern each: session.cpp the command table and the shell's
// operations, output.cpp, registration.cpp, capabilities.cpp (CAP and SASL), users.cpp (user
// queries and modes), operators.cpp, channels.cpp, channel_modes.cpp).
#pragma once

#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/connection_shell.hpp"
#include "protocol/irc_message.hpp"
#include "protocol/irc_numerics.hpp"

namespace parley::detail {

/// The IRCv3 capabilities the server offers, in the alphabetical order CAP LS and LIST name them
/// (their names: cap_names in capabilities.cpp).
enum class irc_cap : std::uint8_t {
  account_tag,
  away_notify,
  echo_message,
  message_tags,
  multi_prefix,
  sasl,
  server_time,
  count
};

/// A client's enabled capabilities, a bit each: a std::set of their names cost every IRC client
/// 48 bytes and a string comparison per lookup on the message path.
class irc_cap_set {
public:
  bool has(irc_cap c) const { return (bits_ >> static_cast<unsigned>(c)) & 1u; }
  void set(irc_cap c, bool on) {
    auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(c));
    bits_ = on ? static_cast<std::uint8_t>(bits_ | bit) : static_cast<std::uint8_t>(bits_ & ~bit);
  }

private:
  static_assert(static_cast<unsigned>(irc_cap::count) <= 8, "one byte holds them all");
  std::uint8_t bits_ = 0;
};

/// What an IRC session keeps beyond the shell's connection state.
struct irc_session_state : session_state {
  std::string nick;  ///< the nick asked for with NICK (normalised), before and after registration
  std::string user;  ///< from USER
  std::string realname;
  std::string pass;  ///< from PASS, until registration uses it
  bool cap_negotiating = false; ///< CAP LS/REQ seen and no CAP END yet: registration waits
  irc_cap_set caps;             ///< enabled capabilities
  std::string account;          ///< the account SASL authenticated, if any
  bool sasl_waiting = false;    ///< AUTHENTICATE PLAIN sent, waiting for the payload
  std::string away;             ///< the away message, empty when here
  std::map<std::string, room_actor> channels; ///< room name -> room, for rooms joined
  caf::actor_clock::time_point last_input;    ///< when the client last sent anything
  /// When the server PINGed, while it awaits any input.
  std::optional<caf::actor_clock::time_point> ping_sent;
  bool oper = false;      ///< a server operator (OPER): user mode +o
  bool invisible = false; ///< user mode +i
  std::uint64_t once_issued = 0;       ///< counter behind this session's deliver_text::once ids
  /// Flood control: the classic ircd "message time", which every line moves forward by the
  /// penalty; input waits while it runs more than the allowed burst ahead of the clock.
  caf::actor_clock::time_point flood_time;
};

} // namespace parley::detail

namespace parley::detail::ircs {

/// This client's IRC state (the shell owns it; session.cpp's start creates it).
inline irc_session_state& irc_of(connection_self self) {
  return static_cast<irc_session_state&>(*self->state.session);
}

using protocol::irc::irc_message;
using protocol::irc::numeric;

// --- Output (output.cpp) ---

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
/// The tags this client asked for (server-time, account-tag), as "@a=b;c=d " or "".
std::string tags_for(connection_self self, const std::string& account);
/// Broken-down UTC of wall-clock milliseconds (TIME, the server-time tag).
std::tm utc_of(std::int64_t ms);

// --- Registration (registration.cpp) ---

/// A wrong password (PASS, SASL or OPER) counts like a failed login of the line protocol: a
/// growing pause before the next line, and the connection is closed after max_failed_logins.
void auth_failed(connection_self self, numeric n, std::string text = {});
/// Registers the client once NICK, USER and any CAP negotiation are done.
void try_register(connection_self self);
void lusers(connection_self self, const get_server_stats_result& s);
void motd(connection_self self);
void cmd_pass(connection_self self, const irc_message& m);
void cmd_nick(connection_self self, const irc_message& m);
void cmd_user(connection_self self, const irc_message& m);

// --- Capabilities and SASL (capabilities.cpp) ---

void cmd_cap(connection_self self, const irc_message& m);
void cmd_authenticate(connection_self self, const irc_message& m);

// --- User queries and user state (users.cpp) ---

void cmd_ping(connection_self self, const irc_message& m);
void cmd_pong(connection_self self, const irc_message& m);
void cmd_whois(connection_self self, const irc_message& m);
void cmd_away(connection_self self, const irc_message& m);
/// MODE: a channel's (channel_modes.cpp) or the client's own.
void cmd_mode(connection_self self, const irc_message& m);
void cmd_motd(connection_self self, const irc_message& m);
void cmd_lusers(connection_self self, const irc_message& m);
void cmd_version(connection_self self, const irc_message& m);
void cmd_time(connection_self self, const irc_message& m);
void cmd_ison(connection_self self, const irc_message& m);
void cmd_userhost(connection_self self, const irc_message& m);
void cmd_tagmsg(connection_self self, const irc_message& m);

// --- Operators (operators.cpp) ---

void cmd_oper(connection_self self, const irc_message& m);
void cmd_kill(connection_self self, const irc_message& m);

// --- Shared helpers (channels.cpp) ---

/// "#lobby" -> "lobby"; nothing for names that are not channels.
std::optional<std::string> room_of(const std::string& channel);
std::vector<std::string> split_commas(const std::string& s);
/// Each item of a multi-target command runs as its own step, in order.
void for_each_target(connection_self self, std::vector<std::string> items,
                     std::function<void(const std::string&)> step);
/// How a room's refusal looks to IRC clients.
numeric numeric_of(refusal why);
/// Runs `with` on the room behind `channel`: a joined channel's handle, or the directory's
/// answer for another (an operator managing it, a message from outside). A name that is no
/// channel, or a channel that does not exist, gets 403, or runs `missing` if one is given.
void with_room(connection_self self, const std::string& channel,
               std::function<void(const std::string&, room_actor)> with,
               std::function<void()> missing = nullptr);

// --- Channel commands (channels.cpp; MODE in channel_modes.cpp) ---

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
