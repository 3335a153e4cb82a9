// The room actor's behaviour (interface in room.hpp).
#include "actors/room.hpp"

#include <map>

#include "caf/all.hpp"

#include "protocol/line_text.hpp"
#include "trace/traced_self.hpp"

namespace parley {

namespace {

namespace text = protocol::text;

struct room_state {
  std::string name;
  room_registry_actor registry;
  std::map<std::string, member_actor> members; // ordered: deterministic fan-out order
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

// Sends one shared buffer to every member except `except`.
void broadcast(room_self self, const shared_text& t, const std::string& except) {
  for (const auto& [name, member] : self->state.members)
    if (name != except)
      self->send(member, deliver_text{t});
}

void report_population(room_self self) {
  auto& st = self->state;
  self->send(st.registry, room_population{st.name, st.members.size(), st.joins_seen});
}

void drop_member(room_self self, const std::string& name, leave_kind kind,
                 const std::string& reason) {
  auto& st = self->state;
  auto i = st.members.find(name);
  if (i == st.members.end())
    return;
  st.names_by_addr.erase(i->second.address());
  self->demonitor(i->second.address());
  st.members.erase(i);
  std::string msg = name + (kind == leave_kind::part ? " left" : " quit");
  if (!reason.empty())
    msg += " (" + reason + ")";
  broadcast(self, shared_text{text::room_notice(st.name, msg)}, name);
  report_population(self);
}

join_room_result handle_add(room_self self, add_member& x) {
  auto& st = self->state;
  ++st.joins_seen;
  if (auto i = st.members.find(x.name); i != st.members.end()) {
    // Same name again (a reconnect that raced its own quit): the newest handle wins.
    st.names_by_addr.erase(i->second.address());
    self->demonitor(i->second.address());
    st.members.erase(i);
  } else {
    broadcast(self, shared_text{text::room_notice(st.name, x.name + " joined")}, x.name);
  }
  self->monitor(x.member);
  st.names_by_addr.emplace(x.member.address(), x.name);
  st.members.emplace(x.name, std::move(x.member));
  report_population(self);
  return {true, {}, caf::actor_cast<room_actor>(self), member_names(st)};
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
    [self](post_line& x) -> caf::result<post_line_result> {
      auto& st = self->state;
      if (st.members.count(x.sender) == 0)
        return caf::make_error(caf::sec::invalid_argument, "not a member of " + st.name);
      auto line = x.action ? text::action(st.name, x.sender, x.line)
                           : text::chat(st.name, x.sender, x.line);
      broadcast(self, shared_text{std::move(line)}, x.sender);
      return post_line_result{};
    },
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
