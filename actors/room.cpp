// The room actor's behaviour (interface in room.hpp).
#include "actors/room.hpp"

#include <map>

#include "caf/all.hpp"

#include "protocol/irc_events.hpp"
#include "protocol/line_text.hpp"
#include "trace/traced_self.hpp"

namespace parley {

namespace {

namespace text = protocol::text;
namespace irc = protocol::irc;

struct member_entry {
  member_actor handle;
  std::string mask; ///< nick!user@host, as IRC clients see the member
};

struct room_state {
  std::string name;
  room_registry_actor registry;
  std::map<std::string, member_entry> members; // ordered: deterministic fan-out order
  std::map<caf::actor_addr, std::string> names_by_addr;
  std::uint64_t joins_seen = 0;
};

using room_self = trace::stateful_self<room_actor, room_state>;

std::vector<std::string> member_names(const room_state& st) {
  std::vector<std::string> out;
  out.reserve(st.members.size());
  for (const auto& kv : st.members)
    out.push_back(kv.first);
  return out;
}

// Sends one event, rendered once per protocol, to every member except `except`.
void broadcast(room_self self, std::string line, std::string irc_text, const std::string& except) {
  deliver_text out{shared_text{std::move(line)}, shared_text{std::move(irc_text)}};
  for (const auto& [name, member] : self->state.members)
    if (name != except)
      self->send(member.handle, out);
}

void report_population(room_self self) {
  auto& st = self->state;
  self->send(st.registry, room_population{st.name, st.members.size(), st.joins_seen});
}

void forget(room_self self, std::map<std::string, member_entry>::iterator i) {
  self->state.names_by_addr.erase(i->second.handle.address());
  self->demonitor(i->second.handle.address());
  self->state.members.erase(i);
}

void drop_member(room_self self, const std::string& name, leave_kind kind,
                 const std::string& reason) {
  auto& st = self->state;
  auto i = st.members.find(name);
  if (i == st.members.end())
    return;
  auto mask = i->second.mask;
  forget(self, i);
  std::string msg = name + (kind == leave_kind::part ? " left" : " quit");
  if (!reason.empty())
    msg += " (" + reason + ")";
  auto irc_text = kind == leave_kind::part ? irc::part(mask, st.name, reason)
                                           : irc::quit(mask, reason);
  broadcast(self, text::room_notice(st.name, msg), std::move(irc_text), name);
  report_population(self);
}

join_room_result handle_add(room_self self, add_member& x) {
  auto& st = self->state;
  ++st.joins_seen;
  if (auto i = st.members.find(x.name); i != st.members.end()) {
    // Same name again (a reconnect that raced its own quit): the newest handle wins.
    forget(self, i);
  } else {
    broadcast(self, text::room_notice(st.name, x.name + " joined"), irc::join(x.mask, st.name),
              x.name);
  }
  self->monitor(x.member);
  st.names_by_addr.emplace(x.member.address(), x.name);
  st.members.emplace(x.name, member_entry{std::move(x.member), std::move(x.mask)});
  report_population(self);
  return {true, {}, caf::actor_cast<room_actor>(self), member_names(st)};
}

caf::result<post_line_result> handle_post(room_self self, post_line& x) {
  auto& st = self->state;
  auto i = st.members.find(x.sender);
  if (i == st.members.end())
    return caf::make_error(caf::sec::invalid_argument, "not a member of " + st.name);
  const auto& mask = i->second.mask;
  auto channel = irc::channel_of(st.name);
  switch (x.kind) {
    case line_kind::action:
      broadcast(self, text::action(st.name, x.sender, x.line), irc::action(mask, channel, x.line),
                x.sender);
      break;
    case line_kind::notice:
      broadcast(self, text::chat(st.name, x.sender, x.line), irc::notice(mask, channel, x.line),
                x.sender);
      break;
    default:
      broadcast(self, text::chat(st.name, x.sender, x.line), irc::privmsg(mask, channel, x.line),
                x.sender);
  }
  return post_line_result{};
}

} // namespace

room_actor::behavior_type room_behavior(room_self self, std::string name,
                                        room_registry_actor registry, trace::tracer* tracer) {
  trace::attach(self, tracer, "room/" + name);
  self->state.name = std::move(name);
  self->state.registry = std::move(registry);
  // A member that dies without parting (crash, lost connection) quits the room.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto i = self->state.names_by_addr.find(dm.source);
    if (i != self->state.names_by_addr.end()) {
      auto who = i->second;
      drop_member(self, who, leave_kind::quit, "connection lost");
    }
  });
  return {
    [self](add_member& x) -> join_room_result { return handle_add(self, x); },
    [self](remove_member& x) -> remove_member_result {
      drop_member(self, x.name, x.kind, x.reason);
      return {};
    },
    [self](post_line& x) { return handle_post(self, x); },
    [self](list_members&) -> list_members_result { return {member_names(self->state)}; },
    [self](close_room&) {
      // The directory only closes an empty room with no join in flight.
      if (self->state.members.empty())
        self->quit();
    },
  };
}

room_actor spawn_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                      trace::tracer* tracer) {
  return sys.spawn(room_behavior, std::move(name), std::move(registry), tracer);
}

} // namespace parley
