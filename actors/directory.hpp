// The directory actor: the one place that knows which users are logged in and which rooms
// exist. It hands out room handles (creating rooms on first join and retiring empty ones),
// keeps one session per user name, and routes private messages. Chat lines never pass through
// it: members talk to their room directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/room.hpp"

namespace parley {

/// Reserve `name` for the logged-in session `member`; fails if the name is in use.
struct claim_name {
  std::string name;
  member_actor member;
};
struct claim_name_result {
  bool ok;
};

/// Give the name back (logout). Also happens by itself when the session's actor dies.
struct release_name {
  std::string name;
};

/// Join room `room` (created if needed) as `name`; the directory forwards the join to the room,
/// which answers the connection itself (join_room_result, in room.hpp).
struct join_room {
  std::string room;
  std::string name;
  member_actor member;
  std::string mask;    ///< nick!user@host for IRC members
  std::string key;     ///< the room key given, if any
  std::string account; ///< the member's account, empty for an anonymous IRC nick
  delivery_route route; ///< see add_member::route
  bool invisible = false; ///< see add_member::invisible
};

/// Move a logged-in session from `name` to `new_name` (IRC NICK); fails if that is in use.
/// The session keeps `name` too until it sends release_name{name}, which it does once every
/// room it is in has applied the rename: until then nobody else can take the old name and
/// join a room that still knows the renaming session by it.
struct rename_user {
  std::string name;
  std::string new_name;
};
struct rename_user_result {
  bool ok;
};

/// Session `name` became a server operator (IRC OPER), or stopped being one (MODE -o);
/// counted for LUSERS.
struct set_operator {
  std::string name;
  bool on;
};

/// Counts for IRC LUSERS and the welcome burst.
struct get_server_stats {};
struct get_server_stats_result {
  std::uint64_t users;
  std::uint64_t rooms;
  std::uint64_t operators;
};

struct list_rooms {};
struct room_info {
  std::string name;
  std::uint64_t members;
  bool secret = false; ///< hidden from lists for those outside it (IRC +s)
  std::string topic;
};
struct list_rooms_result {
  std::vector<room_info> rooms; ///< sorted by name
};

/// A private line from `from` to `to`, delivered before the reply.
struct send_private {
  std::string from;
  std::string to;
  std::string line;
  std::string from_mask; ///< nick!user@host of the sender, for IRC recipients
  bool notice = false;   ///< an IRC NOTICE (IRC recipients see NOTICE, not PRIVMSG)
  std::string account;   ///< the sender's account, for IRC recipients with account-tag
};
struct send_private_result {
  bool delivered;
  std::string away; ///< the recipient's away message (IRC 301), empty when here
};

/// Keep the away message of `name` (IRC AWAY; empty: forget it), for 301 on private messages.
struct set_user_away {
  std::string name;
  std::string away;
};

/// IRC WHOIS: the user's own description (describe_member), and which of its rooms are secret
/// (+s), which the asker may not be shown.
struct describe_user {
  std::string name;
};
struct describe_user_result {
  bool found = false;
  describe_member_result who;
  std::vector<std::string> secret_rooms; ///< those of who.rooms that are secret
};

/// Look-ups for operators and the simulator's fault injection: the handle of a room or of a
/// logged-in user's session, if there is one.
struct lookup_room {
  std::string name;
};
struct lookup_room_result {
  bool found;
  room_actor room;
};
struct lookup_user {
  std::string name;
};
struct lookup_user_result {
  bool found;
  member_actor member;
};

/// Stop every room and the directory itself (server shutdown).
struct stop_directory {};
struct stop_directory_result {};

using directory_actor = room_registry_actor::extend<
  caf::replies_to<claim_name>::with<claim_name_result>, caf::reacts_to<release_name>,
  caf::replies_to<join_room>::with<join_room_result>,
  caf::replies_to<list_rooms>::with<list_rooms_result>,
  caf::replies_to<send_private>::with<send_private_result>,
  caf::replies_to<lookup_room>::with<lookup_room_result>,
  caf::replies_to<lookup_user>::with<lookup_user_result>,
  caf::replies_to<describe_user>::with<describe_user_result>, caf::reacts_to<set_user_away>,
  caf::replies_to<stop_directory>::with<stop_directory_result>,
  caf::replies_to<rename_user>::with<rename_user_result>, caf::reacts_to<set_operator>,
  caf::replies_to<get_server_stats>::with<get_server_stats_result>>;

struct directory_config {
  std::uint64_t max_rooms = 10000;
  room_factory make_room = spawn_room;
  std::string default_room = "lobby"; ///< never retired
  trace::tracer* tracer = nullptr;    ///< records the directory and its rooms, if set
};

directory_actor spawn_directory(caf::actor_system& sys, directory_config cfg);

template <class F> typename F::result_type inspect(F& f, claim_name& x) {
  return f(caf::meta::type_name("claim_name"), x.name, x.member);
}
template <class F> typename F::result_type inspect(F& f, claim_name_result& x) {
  return f(caf::meta::type_name("claim_name_result"), x.ok);
}
template <class F> typename F::result_type inspect(F& f, release_name& x) {
  return f(caf::meta::type_name("release_name"), x.name);
}
template <class F> typename F::result_type inspect(F& f, join_room& x) {
  return f(caf::meta::type_name("join_room"), x.room, x.name, x.member, x.mask, x.key, x.account,
           x.route, x.invisible);
}
template <class F> typename F::result_type inspect(F& f, rename_user& x) {
  return f(caf::meta::type_name("rename_user"), x.name, x.new_name);
}
template <class F> typename F::result_type inspect(F& f, rename_user_result& x) {
  return f(caf::meta::type_name("rename_user_result"), x.ok);
}
template <class F> typename F::result_type inspect(F& f, set_operator& x) {
  return f(caf::meta::type_name("set_operator"), x.name, x.on);
}
template <class F> typename F::result_type inspect(F& f, get_server_stats&) {
  return f(caf::meta::type_name("get_server_stats"));
}
template <class F> typename F::result_type inspect(F& f, get_server_stats_result& x) {
  return f(caf::meta::type_name("get_server_stats_result"), x.users, x.rooms, x.operators);
}
template <class F> typename F::result_type inspect(F& f, list_rooms&) {
  return f(caf::meta::type_name("list_rooms"));
}
template <class F> typename F::result_type inspect(F& f, room_info& x) {
  return f(caf::meta::type_name("room_info"), x.name, x.members, x.secret, x.topic);
}
template <class F> typename F::result_type inspect(F& f, list_rooms_result& x) {
  return f(caf::meta::type_name("list_rooms_result"), x.rooms);
}
template <class F> typename F::result_type inspect(F& f, send_private& x) {
  return f(caf::meta::type_name("send_private"), x.from, x.to, x.line, x.from_mask, x.notice,
           x.account);
}
template <class F> typename F::result_type inspect(F& f, send_private_result& x) {
  return f(caf::meta::type_name("send_private_result"), x.delivered, x.away);
}
template <class F> typename F::result_type inspect(F& f, set_user_away& x) {
  return f(caf::meta::type_name("set_user_away"), x.name, x.away);
}
template <class F> typename F::result_type inspect(F& f, describe_user& x) {
  return f(caf::meta::type_name("describe_user"), x.name);
}
template <class F> typename F::result_type inspect(F& f, describe_user_result& x) {
  return f(caf::meta::type_name("describe_user_result"), x.found, x.who, x.secret_rooms);
}
template <class F> typename F::result_type inspect(F& f, lookup_room& x) {
  return f(caf::meta::type_name("lookup_room"), x.name);
}
template <class F> typename F::result_type inspect(F& f, lookup_room_result& x) {
  return f(caf::meta::type_name("lookup_room_result"), x.found, x.room);
}
template <class F> typename F::result_type inspect(F& f, lookup_user& x) {
  return f(caf::meta::type_name("lookup_user"), x.name);
}
template <class F> typename F::result_type inspect(F& f, lookup_user_result& x) {
  return f(caf::meta::type_name("lookup_user_result"), x.found, x.member);
}
template <class F> typename F::result_type inspect(F& f, stop_directory&) {
  return f(caf::meta::type_name("stop_directory"));
}
template <class F> typename F::result_type inspect(F& f, stop_directory_result&) {
  return f(caf::meta::type_name("stop_directory_result"));
}

} // namespace parley
