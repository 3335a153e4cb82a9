// The room actor: membership and fan-out for one chat room. A room handles its messages in one
// total order and every member receives them in that order. Each line is formatted once and
// sent to every member as the same shared buffer (no per-member copy). Rooms are created and
// retired by the directory; members talk to their room directly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "net/payload.hpp"
#include "net/transport.hpp"
#include "protocol/room_event.hpp"
#include "protocol/room_settings.hpp"

namespace parley::trace {
class tracer;
}

namespace parley {

// --- What a room sends to its members ---

/// Who gets an event: every member, or only IRC members that enabled a capability.
enum class audience : std::uint8_t { everyone, away_notify };

/// Output for the member's client (a chat line, a notice), rendered once per protocol and
/// shared by every member: each connection writes the rendering of its own protocol.
struct deliver_text {
  deliver_text() = default;
  deliver_text(shared_text line_text, shared_text irc_text)
    : line(std::move(line_text)), irc(std::move(irc_text)) {}

  shared_text line;  ///< the line protocol's rendering
  shared_text irc;   ///< the IRC rendering (may be empty: then IRC clients get nothing)
  std::string account; ///< the sender's account, for IRC clients with account-tag (may be empty)
  /// Non-zero for an event one user causes in every room they are in (their QUIT, NICK, AWAY):
  /// a connection that shares several of those rooms shows it once.
  std::uint64_t once = 0;
  audience to = audience::everyone;
};

/// An event as members get it: rendered once for each protocol (text::render_line,
/// irc::render_irc), with the account of who caused it and its audience (an AWAY only for IRC
/// clients with away-notify). Rooms and the directory send every event this way; the caller
/// sets `once`.
deliver_text render_for_members(const protocol::room_event& ev);

/// A member was removed from `room` by someone else (a KICK); the reason went out as text.
struct member_removed {
  std::string room;
};

/// Ends a member's session (an IRC operator's KILL): the client is told why and disconnected.
struct end_session {
  std::string by;
  std::string reason;
};

/// How a member's client renders room events.
enum class render_style : std::uint8_t { line, irc };

/// Where and how a room may write a member's events itself: the member's connection on its
/// transport, and what the client's rendering depends on (IRC capabilities).
struct delivery_route {
  net::transport_actor transport;
  net::connection_id conn = 0;
  render_style style = render_style::line;
  bool server_time = false; ///< IRC: tag events with their time
  bool account_tag = false; ///< IRC: tag events with the account of who caused them
  bool away_notify = false; ///< IRC: wants AWAY events
  std::int64_t wall_clock_offset_ms = 0; ///< see connection_config (server-time tags)
};

/// A member's new rendering (an IRC CAP REQ changed its tags): its later events take it. Only
/// for a member the room already writes to directly (it came with add_member).
struct set_delivery_route {
  std::string name;
  delivery_route route;
};

/// What a member's own session says about its user, for IRC WHOIS (asked through the
/// directory, describe_user).
struct describe_member {};
struct describe_member_result {
  std::string user;      ///< the user part of its IRC mask
  std::string realname;  ///< IRC: from USER; the login name for a line-protocol user
  std::string away;      ///< the away message, empty when here
  std::string account;   ///< empty for an anonymous IRC nick
  bool oper = false;     ///< a server operator
  std::vector<std::string> rooms; ///< the rooms it is in, by name, in order
  std::int64_t idle_s = 0;        ///< seconds since it last sent a chat line or message
  std::int64_t signon_unix = 0;   ///< when it logged in or registered (wall clock, seconds)
};

using member_actor =
  caf::typed_actor<caf::reacts_to<deliver_text>, caf::reacts_to<member_removed>,
                   caf::reacts_to<end_session>,
                   caf::replies_to<describe_member>::with<describe_member_result>>;

/// Why a room refuses a request. Protocol-neutral: the IRC session maps each to its numeric,
/// the line protocol to a sentence.
enum class refusal : std::uint8_t {
  none,
  not_member,       ///< the requester is not in the room (IRC 442)
  not_operator,     ///< needs room operator status (482)
  no_such_member,   ///< the target is not in the room (441)
  already_member,   ///< the invited user is in the room already (443)
  unknown_mode,     ///< (472)
  key_set,          ///< a key is set already (467)
  missing_argument, ///< a mode needs an argument (461)
  full,             ///< the member limit is reached (471)
  invite_only,      ///< (473)
  banned,           ///< (474)
  bad_key,          ///< (475)
  cannot_send,      ///< moderated, banned, or outside a room that takes no outside lines (404)
};

/// One member as others see them.
struct member_status {
  std::string name;
  bool op = false;
  bool voice = false;
  bool away = false;
  bool invisible = false; ///< IRC user mode +i: NAMES and WHO from outside leave it out
};

// --- Commands a room takes ---

/// Adds a member (sent by the directory on behalf of a connection); the others see a notice.
struct add_member {
  std::string name;
  member_actor member;
  std::string mask;    ///< how IRC clients see this member: nick!user@host
  std::string key;     ///< the room key the member gave, if any
  std::string account; ///< the member's account, empty for an anonymous IRC nick
  /// Where the room writes this member's events itself (null transport: as deliver_text). The
  /// room puts the connection on hold (hold_fan_out) before its answer, and the connection
  /// releases it once it has written the join's own lines.
  delivery_route route;
  bool invisible = false; ///< IRC user mode +i (see member_status)
};
/// Answer to a join, sent by the room itself straight to the joining connection, so that it
/// arrives before any line the room fans out after the join.
struct join_room_result;

/// Why a member leaves: a part notice or a quit notice for the others.
enum class leave_kind : std::uint8_t { part, quit };

struct remove_member {
  std::string name;
  leave_kind kind;
  std::string reason;
  std::uint64_t once = 0; ///< see deliver_text::once (a quit from several rooms)
};
struct remove_member_result {};

/// What kind of line a member posts: said, acted (/me, IRC CTCP ACTION) or an IRC NOTICE.
enum class line_kind : std::uint8_t { say, action, notice };

/// A chat line from a member. The reply comes after the line has been sent to every other
/// member, which is what gives the protocols their ordering guarantee.
struct post_line {
  std::string sender;
  std::string line;
  line_kind kind;
  std::string mask;    ///< for a sender from outside the room (IRC, channel mode -n)
  std::string account; ///< likewise
  /// IRC echo-message: the sender wants its line back. A room that writes to the sender
  /// directly sends the echo with the fan-out, in the room's order (see post_line_result).
  bool echo = false;
};
struct post_line_result {
  refusal refused; ///< none when the line went out
  bool echoed = false; ///< the room sent the echo; otherwise the sender's connection writes it
};

struct list_members {};
struct list_members_result {
  std::vector<member_status> members; ///< sorted by name
  bool secret = false;                ///< IRC +s (NAMES marks the channel '@')
};

/// Room administration (IRC channel modes, topic, kicks, invitations). `oper` is set for server
/// operators, who act as room operators anywhere. Every change that takes effect is fanned out
/// to all members, the requester too.

/// Changes of the room's settings (room_settings.hpp: room_setting, mode_change), in order.
struct change_modes {
  std::string by;
  bool oper;
  std::vector<mode_change> changes;
  std::string mask; ///< the requester's IRC mask: the source a server operator from outside shows
  std::string account; ///< the requester's account, for account-tag (same case)
};
struct mode_refusal {
  refusal why;
  room_setting setting;
  std::string arg; ///< the change's (for an unknown setting: how the client spelled it)
};
struct change_modes_result {
  std::vector<mode_refusal> refused; ///< the changes that were not made, and why
  std::vector<std::string> bans;     ///< the ban masks, answering a ban change with no argument
};

/// The topic, its author and when it was set (seconds since the Unix epoch, from the
/// requester's clock: rooms keep no clock of their own).
struct set_topic {
  std::string by;
  bool oper;
  std::string topic;
  std::int64_t time_s;
  std::string mask;    ///< see change_modes::mask
  std::string account; ///< see change_modes::account
};
struct set_topic_result {
  refusal refused;
};

struct kick_member {
  std::string by;
  bool oper;
  std::string target;
  std::string reason;
  std::string mask;    ///< see change_modes::mask
  std::string account; ///< see change_modes::account
};
struct kick_member_result {
  refusal refused;
};

/// Lets `target` join an invite-only room once.
struct invite_member {
  std::string by;
  bool oper;
  std::string target;
};
struct invite_member_result {
  refusal refused;
};

/// A member's new name (IRC NICK); the others see the change.
struct rename_member {
  std::string name;
  std::string new_name;
  std::string new_mask;
  std::uint64_t once;
};
struct rename_member_result {};

/// A member set or dropped IRC user mode +i (see member_status::invisible).
struct set_invisible {
  std::string name;
  bool invisible;
};

/// A member went away (non-empty message) or came back; IRC members with away-notify see it.
struct set_away {
  std::string name;
  std::string message;
  std::uint64_t once;
};

struct get_room_info {};
struct room_topic {
  std::string text; ///< empty: no topic
  std::string by;
  std::int64_t time_s = 0;
};
struct get_room_info_result {
  room_modes modes;
  room_topic topic;
};

/// Sent by the directory once the room is empty and no join is on its way: the room stops.
struct close_room {};

// --- What a room reports to the directory ---

/// The room's size changed. `joins_seen` counts add_member messages handled so far, so the
/// directory can tell whether a join is still in flight before it retires an empty room.
struct room_population {
  std::string room;
  std::uint64_t members;
  std::uint64_t joins_seen;
  bool secret = false; ///< IRC +s: room lists show it only to its members
  std::string topic;  ///< for room lists (IRC LIST)
};

using room_registry_actor = caf::typed_actor<caf::reacts_to<room_population>>;

using room_actor =
  caf::typed_actor<caf::replies_to<add_member>::with<join_room_result>,
                   caf::replies_to<remove_member>::with<remove_member_result>,
                   caf::replies_to<post_line>::with<post_line_result>,
                   caf::replies_to<list_members>::with<list_members_result>,
                   caf::replies_to<change_modes>::with<change_modes_result>,
                   caf::replies_to<set_topic>::with<set_topic_result>,
                   caf::replies_to<kick_member>::with<kick_member_result>,
                   caf::replies_to<invite_member>::with<invite_member_result>,
                   caf::replies_to<rename_member>::with<rename_member_result>,
                   caf::replies_to<get_room_info>::with<get_room_info_result>,
                   caf::reacts_to<set_away>, caf::reacts_to<set_invisible>,
                   caf::reacts_to<set_delivery_route>,
                   caf::reacts_to<close_room>>;

struct join_room_result {
  bool ok;
  std::string error; ///< why not, for the user
  room_actor room;
  std::vector<member_status> members; ///< sorted by name
  refusal refused = refusal::none;
  room_topic topic;
  bool secret = false; ///< IRC +s
};

/// Spawns room `name`, reporting its population to `registry`.
room_actor spawn_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                      trace::tracer* tracer = nullptr);

/// How the directory makes rooms: spawn_room, or a variant in tests (a deliberately broken room
/// proves the simulator catches bugs).
using room_factory = std::function<room_actor(caf::actor_system&, std::string, room_registry_actor,
                                              trace::tracer*)>;

template <class F> typename F::result_type inspect(F& f, deliver_text& x) {
  auto to = static_cast<std::uint8_t>(x.to);
  return f(caf::meta::type_name("deliver_text"), x.line, x.irc, x.account, x.once, to);
}
template <class F> typename F::result_type inspect(F& f, delivery_route& x) {
  auto style = static_cast<std::uint8_t>(x.style);
  return f(caf::meta::type_name("delivery_route"), x.transport, x.conn, style, x.server_time,
           x.account_tag, x.away_notify, x.wall_clock_offset_ms);
}
template <class F> typename F::result_type inspect(F& f, set_delivery_route& x) {
  return f(caf::meta::type_name("set_delivery_route"), x.name, x.route);
}
template <class F> typename F::result_type inspect(F& f, member_removed& x) {
  return f(caf::meta::type_name("member_removed"), x.room);
}
template <class F> typename F::result_type inspect(F& f, end_session& x) {
  return f(caf::meta::type_name("end_session"), x.by, x.reason);
}
template <class F> typename F::result_type inspect(F& f, describe_member&) {
  return f(caf::meta::type_name("describe_member"));
}
template <class F> typename F::result_type inspect(F& f, describe_member_result& x) {
  return f(caf::meta::type_name("describe_member_result"), x.user, x.realname, x.away, x.account,
           x.oper, x.rooms, x.idle_s, x.signon_unix);
}
template <class F> typename F::result_type inspect(F& f, member_status& x) {
  return f(caf::meta::type_name("member_status"), x.name, x.op, x.voice, x.away, x.invisible);
}
template <class F> typename F::result_type inspect(F& f, room_modes& x) {
  return f(caf::meta::type_name("room_modes"), x.no_outside, x.topic_lock, x.invite_only,
           x.moderated, x.secret, x.key, x.limit);
}
template <class F> typename F::result_type inspect(F& f, room_topic& x) {
  return f(caf::meta::type_name("room_topic"), x.text, x.by, x.time_s);
}
template <class F> typename F::result_type inspect(F& f, add_member& x) {
  return f(caf::meta::type_name("add_member"), x.name, x.member, x.mask, x.key, x.account,
           x.route, x.invisible);
}
template <class F> typename F::result_type inspect(F& f, join_room_result& x) {
  auto why = static_cast<std::uint8_t>(x.refused);
  return f(caf::meta::type_name("join_room_result"), x.ok, x.error, x.room, x.members, why,
           x.topic, x.secret);
}
template <class F> typename F::result_type inspect(F& f, remove_member& x) {
  auto kind = static_cast<std::uint8_t>(x.kind);
  return f(caf::meta::type_name("remove_member"), x.name, kind, x.reason, x.once);
}
template <class F> typename F::result_type inspect(F& f, mode_change& x) {
  return f(caf::meta::type_name("mode_change"), x.add, x.setting, x.arg);
}
template <class F> typename F::result_type inspect(F& f, change_modes& x) {
  return f(caf::meta::type_name("change_modes"), x.by, x.oper, x.changes, x.mask, x.account);
}
template <class F> typename F::result_type inspect(F& f, mode_refusal& x) {
  auto why = static_cast<std::uint8_t>(x.why);
  return f(caf::meta::type_name("mode_refusal"), why, x.setting, x.arg);
}
template <class F> typename F::result_type inspect(F& f, change_modes_result& x) {
  return f(caf::meta::type_name("change_modes_result"), x.refused, x.bans);
}
template <class F> typename F::result_type inspect(F& f, set_topic& x) {
  return f(caf::meta::type_name("set_topic"), x.by, x.oper, x.topic, x.time_s, x.mask,
           x.account);
}
template <class F> typename F::result_type inspect(F& f, set_topic_result& x) {
  auto why = static_cast<std::uint8_t>(x.refused);
  return f(caf::meta::type_name("set_topic_result"), why);
}
template <class F> typename F::result_type inspect(F& f, kick_member& x) {
  return f(caf::meta::type_name("kick_member"), x.by, x.oper, x.target, x.reason, x.mask,
           x.account);
}
template <class F> typename F::result_type inspect(F& f, kick_member_result& x) {
  auto why = static_cast<std::uint8_t>(x.refused);
  return f(caf::meta::type_name("kick_member_result"), why);
}
template <class F> typename F::result_type inspect(F& f, invite_member& x) {
  return f(caf::meta::type_name("invite_member"), x.by, x.oper, x.target);
}
template <class F> typename F::result_type inspect(F& f, invite_member_result& x) {
  auto why = static_cast<std::uint8_t>(x.refused);
  return f(caf::meta::type_name("invite_member_result"), why);
}
template <class F> typename F::result_type inspect(F& f, rename_member& x) {
  return f(caf::meta::type_name("rename_member"), x.name, x.new_name, x.new_mask, x.once);
}
template <class F> typename F::result_type inspect(F& f, rename_member_result&) {
  return f(caf::meta::type_name("rename_member_result"));
}
template <class F> typename F::result_type inspect(F& f, set_invisible& x) {
  return f(caf::meta::type_name("set_invisible"), x.name, x.invisible);
}
template <class F> typename F::result_type inspect(F& f, set_away& x) {
  return f(caf::meta::type_name("set_away"), x.name, x.message, x.once);
}
template <class F> typename F::result_type inspect(F& f, get_room_info&) {
  return f(caf::meta::type_name("get_room_info"));
}
template <class F> typename F::result_type inspect(F& f, get_room_info_result& x) {
  return f(caf::meta::type_name("get_room_info_result"), x.modes, x.topic);
}
template <class F> typename F::result_type inspect(F& f, remove_member_result&) {
  return f(caf::meta::type_name("remove_member_result"));
}
template <class F> typename F::result_type inspect(F& f, post_line& x) {
  auto kind = static_cast<std::uint8_t>(x.kind);
  return f(caf::meta::type_name("post_line"), x.sender, x.line, kind, x.mask, x.account, x.echo);
}
template <class F> typename F::result_type inspect(F& f, post_line_result& x) {
  auto why = static_cast<std::uint8_t>(x.refused);
  return f(caf::meta::type_name("post_line_result"), why, x.echoed);
}
template <class F> typename F::result_type inspect(F& f, list_members&) {
  return f(caf::meta::type_name("list_members"));
}
template <class F> typename F::result_type inspect(F& f, list_members_result& x) {
  return f(caf::meta::type_name("list_members_result"), x.members, x.secret);
}
template <class F> typename F::result_type inspect(F& f, close_room&) {
  return f(caf::meta::type_name("close_room"));
}
template <class F> typename F::result_type inspect(F& f, room_population& x) {
  return f(caf::meta::type_name("room_population"), x.room, x.members, x.joins_seen,
           x.secret, x.topic);
}

} // namespace parley
