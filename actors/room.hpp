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

namespace parley::trace {
class tracer;
}

namespace parley {

// --- What a room sends to its members ---

/// Output for the member's client (a chat line, a notice), rendered once per protocol and
/// shared by every member: each connection writes the rendering of its own protocol.
struct deliver_text {
  shared_text line; ///< the line protocol's rendering
  shared_text irc;  ///< the IRC rendering (may be empty: then IRC clients get nothing)
};

using member_actor = caf::typed_actor<caf::reacts_to<deliver_text>>;

// --- Commands a room takes ---

/// Adds a member (sent by the directory on behalf of a connection); the others see a notice.
struct add_member {
  std::string name;
  member_actor member;
  std::string mask; ///< how IRC clients see this member: nick!user@host
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
};
struct post_line_result {};

struct list_members {};
struct list_members_result {
  std::vector<std::string> members;
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
};

using room_registry_actor = caf::typed_actor<caf::reacts_to<room_population>>;

using room_actor =
  caf::typed_actor<caf::replies_to<add_member>::with<join_room_result>,
                   caf::replies_to<remove_member>::with<remove_member_result>,
                   caf::replies_to<post_line>::with<post_line_result>,
                   caf::replies_to<list_members>::with<list_members_result>,
                   caf::reacts_to<close_room>>;

struct join_room_result {
  bool ok;
  std::string error; ///< why not, for the user
  room_actor room;
  std::vector<std::string> members; ///< sorted
};

/// Spawns room `name`, reporting its population to `registry`.
room_actor spawn_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                      trace::tracer* tracer = nullptr);

/// How the directory makes rooms: spawn_room, or a variant in tests (a deliberately broken room
/// proves the simulator catches bugs).
using room_factory = std::function<room_actor(caf::actor_system&, std::string, room_registry_actor,
                                              trace::tracer*)>;

template <class F> typename F::result_type inspect(F& f, deliver_text& x) {
  return f(caf::meta::type_name("deliver_text"), x.line, x.irc);
}
template <class F> typename F::result_type inspect(F& f, add_member& x) {
  return f(caf::meta::type_name("add_member"), x.name, x.member, x.mask);
}
template <class F> typename F::result_type inspect(F& f, join_room_result& x) {
  return f(caf::meta::type_name("join_room_result"), x.ok, x.error, x.room, x.members);
}
template <class F> typename F::result_type inspect(F& f, remove_member& x) {
  auto kind = static_cast<std::uint8_t>(x.kind);
  return f(caf::meta::type_name("remove_member"), x.name, kind, x.reason);
}
template <class F> typename F::result_type inspect(F& f, remove_member_result&) {
  return f(caf::meta::type_name("remove_member_result"));
}
template <class F> typename F::result_type inspect(F& f, post_line& x) {
  auto kind = static_cast<std::uint8_t>(x.kind);
  return f(caf::meta::type_name("post_line"), x.sender, x.line, kind);
}
template <class F> typename F::result_type inspect(F& f, post_line_result&) {
  return f(caf::meta::type_name("post_line_result"));
}
template <class F> typename F::result_type inspect(F& f, list_members&) {
  return f(caf::meta::type_name("list_members"));
}
template <class F> typename F::result_type inspect(F& f, list_members_result& x) {
  return f(caf::meta::type_name("list_members_result"), x.members);
}
template <class F> typename F::result_type inspect(F& f, close_room&) {
  return f(caf::meta::type_name("close_room"));
}
template <class F> typename F::result_type inspect(F& f, room_population& x) {
  return f(caf::meta::type_name("room_population"), x.room, x.members, x.joins_seen);
}

} // namespace parley
