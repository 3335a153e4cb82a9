// The directory actor's behaviour (interface in directory.hpp).
#include "actors/directory.hpp"

#include <map>
#include <set>

#include "caf/all.hpp"

#include "trace/traced_self.hpp"

namespace parley {

namespace {

struct room_entry {
  room_actor handle;
  std::uint64_t members = 0;
  std::uint64_t joins_forwarded = 0;
  bool secret = false;
  std::string topic;
};

struct directory_state {
  directory_config cfg;
  std::map<std::string, member_actor> users;
  std::map<caf::actor_addr, std::string> user_by_addr;
  /// Old names of sessions that renamed, still held until their rooms have renamed them too
  /// (the session then releases them): a name must not pass to another session while a room
  /// still knows its previous holder by it.
  std::multimap<caf::actor_addr, std::string> renamed_from;
  std::map<std::string, room_entry> rooms;
  std::map<caf::actor_addr, std::string> room_by_addr;
  std::set<std::string> operators; ///< logged-in server operators
  std::map<std::string, std::string> away; ///< away messages of users who set one (IRC AWAY)
};

using directory_self = trace::stateful_self<directory_actor, directory_state>;

room_entry* find_or_create_room(directory_self self, const std::string& name) {
  auto& st = self->state;
  if (auto i = st.rooms.find(name); i != st.rooms.end())
    return &i->second;
  if (st.rooms.size() >= st.cfg.max_rooms)
    return nullptr;
  auto room = st.cfg.make_room(self->system(), name, caf::actor_cast<room_registry_actor>(self),
                               st.cfg.tracer);
  self->monitor(room);
  st.room_by_addr.emplace(room.address(), name);
  room_entry entry;
  entry.handle = room;
  return &st.rooms.emplace(name, std::move(entry)).first->second;
}

// A room is retired once it is empty and every join forwarded to it has been seen by it.
void on_population(directory_self self, room_population& x) {
  auto& st = self->state;
  auto i = st.rooms.find(x.room);
  if (i == st.rooms.end())
    return;
  auto& e = i->second;
  e.members = x.members;
  e.secret = x.secret;
  e.topic = x.topic;
  if (x.members == 0 && x.joins_seen == e.joins_forwarded && x.room != st.cfg.default_room) {
    self->send(e.handle, close_room{});
    self->demonitor(e.handle.address());
    st.room_by_addr.erase(e.handle.address());
    st.rooms.erase(i);
  }
}

caf::typed_response_promise<join_room_result> on_join(directory_self self, join_room& x) {
  auto rp = self->make_response_promise<join_room_result>();
  auto* entry = find_or_create_room(self, x.room);
  if (entry == nullptr) {
    rp.deliver(join_room_result{false, "too many rooms; join an existing one (/rooms)", {}, {},
                                refusal::full, {}});
    return rp;
  }
  ++entry->joins_forwarded;
  // The room answers the connection directly: its reply then cannot be overtaken by the lines
  // the room fans out after the join.
  rp.delegate(entry->handle,
              add_member{x.name, x.member, x.mask, x.key, x.account, x.route, x.invisible});
  return rp;
}

claim_name_result on_claim(directory_self self, claim_name& x) {
  auto& st = self->state;
  if (st.users.count(x.name) != 0)
    return {false};
  self->monitor(x.member);
  st.user_by_addr.emplace(x.member.address(), x.name);
  st.users.emplace(x.name, std::move(x.member));
  return {true};
}

/// Whether the message being handled comes from the session that holds users entry `i`: only
/// that session may release or rename its name, or set its away message.
bool held_by_sender(directory_self self, std::map<std::string, member_actor>::iterator i) {
  return i != self->state.users.end() &&
         self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(i->second);
}

// An old name kept through a rename: it goes, and the session keeps its current name.
bool release_old_name(directory_state& st, const caf::actor_addr& addr, const std::string& name) {
  auto [first, last] = st.renamed_from.equal_range(addr);
  for (auto r = first; r != last; ++r)
    if (r->second == name) {
      st.renamed_from.erase(r);
      return true;
    }
  return false;
}

// Only the session that holds a name may release it.
void on_release(directory_self self, release_name& x) {
  auto& st = self->state;
  auto i = st.users.find(x.name);
  if (!held_by_sender(self, i))
    return;
  auto addr = i->second.address();
  if (release_old_name(st, addr, x.name)) {
    st.users.erase(i);
    return;
  }
  // The session ends: names it kept through a rename still in progress go with it.
  auto [first, last] = st.renamed_from.equal_range(addr);
  for (auto r = first; r != last; ++r)
    st.users.erase(r->second);
  st.renamed_from.erase(first, last);
  i = st.users.find(x.name);
  st.user_by_addr.erase(i->second.address());
  self->demonitor(i->second.address());
  st.operators.erase(i->first);
  st.away.erase(i->first);
  st.users.erase(i);
}

// Only the session that holds a name may move it.
rename_user_result on_rename(directory_self self, rename_user& x) {
  auto& st = self->state;
  auto i = st.users.find(x.name);
  if (!held_by_sender(self, i) || st.users.count(x.new_name) != 0)
    return {false};
  // The old name stays held (renamed_from) until the session releases it, once its rooms
  // have applied the rename: otherwise another session could claim it and join a room that
  // still knows the renaming session by it, and the two would be taken for one member.
  auto member = i->second;
  st.users.emplace(x.new_name, member);
  st.user_by_addr[member.address()] = x.new_name;
  st.renamed_from.emplace(member.address(), x.name);
  if (st.operators.erase(x.name) != 0)
    st.operators.insert(x.new_name);
  if (auto a = st.away.find(x.name); a != st.away.end()) {
    st.away[x.new_name] = std::move(a->second);
    st.away.erase(x.name);
  }
  return {true};
}

// Only the session that holds a name may set its away message.
void on_set_away(directory_self self, set_user_away& x) {
  auto& st = self->state;
  auto i = st.users.find(x.name);
  if (!held_by_sender(self, i))
    return;
  if (x.away.empty())
    st.away.erase(x.name);
  else
    st.away[x.name] = std::move(x.away);
}

// WHOIS: the user's session describes itself; the directory adds which of its rooms are
// secret, which only the directory knows (room_population).
caf::result<describe_user_result> on_describe(directory_self self, describe_user& x) {
  auto i = self->state.users.find(x.name);
  if (i == self->state.users.end())
    return describe_user_result{};
  auto rp = self->make_response_promise<describe_user_result>();
  self->request(i->second, caf::infinite, describe_member{})
    .then(
      [self, rp](describe_member_result& who) mutable {
        describe_user_result r;
        r.found = true;
        for (const auto& room : who.rooms)
          if (auto e = self->state.rooms.find(room); e != self->state.rooms.end() && e->second.secret)
            r.secret_rooms.push_back(room);
        r.who = std::move(who);
        rp.deliver(std::move(r));
      },
      [rp](caf::error&) mutable { rp.deliver(describe_user_result{}); }); // gone meanwhile
  return rp;
}

void on_down(directory_self self, caf::down_msg& dm) {
  auto& st = self->state;
  if (auto i = st.user_by_addr.find(dm.source); i != st.user_by_addr.end()) {
    st.operators.erase(i->second);
    st.away.erase(i->second);
    st.users.erase(i->second);
    st.user_by_addr.erase(i);
  }
  auto [first, last] = st.renamed_from.equal_range(dm.source);
  for (auto r = first; r != last; ++r)
    st.users.erase(r->second);
  st.renamed_from.erase(first, last);
  if (auto i = st.room_by_addr.find(dm.source); i != st.room_by_addr.end()) {
    st.rooms.erase(i->second); // a crashed room is created afresh on the next join
    st.room_by_addr.erase(i);
  }
}

} // namespace

directory_actor::behavior_type directory_behavior(directory_self self, directory_config cfg) {
  trace::attach(self, cfg.tracer, "directory");
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  return {
    [self](room_population& x) { on_population(self, x); },
    [self](claim_name& x) { return on_claim(self, x); },
    [self](release_name& x) { on_release(self, x); },
    [self](join_room& x) { return on_join(self, x); },
    [self](list_rooms&) -> list_rooms_result {
      list_rooms_result r;
      for (const auto& [name, e] : self->state.rooms)
        r.rooms.push_back({name, e.members, e.secret, e.topic});
      return r;
    },
    [self](send_private& x) -> send_private_result {
      auto i = self->state.users.find(x.to);
      if (i == self->state.users.end())
        return {false, {}};
      using protocol::event_kind;
      protocol::room_event ev{x.notice ? event_kind::private_noticed : event_kind::private_said,
                              {}, x.from, x.from_mask, x.account, x.line, x.to};
      self->send(i->second, render_for_members(ev));
      auto a = self->state.away.find(x.to);
      return {true, a == self->state.away.end() ? std::string{} : a->second};
    },
    [self](lookup_room& x) -> lookup_room_result {
      auto i = self->state.rooms.find(x.name);
      if (i == self->state.rooms.end())
        return {false, {}};
      return {true, i->second.handle};
    },
    [self](lookup_user& x) -> lookup_user_result {
      auto i = self->state.users.find(x.name);
      if (i == self->state.users.end())
        return {false, {}};
      return {true, i->second};
    },
    [self](rename_user& x) { return on_rename(self, x); },
    [self](set_user_away& x) { on_set_away(self, x); },
    [self](describe_user& x) { return on_describe(self, x); },
    [self](set_operator& x) {
      if (!x.on)
        self->state.operators.erase(x.name);
      else if (self->state.users.count(x.name) != 0)
        self->state.operators.insert(x.name);
    },
    [self](get_server_stats&) -> get_server_stats_result {
      const auto& st = self->state;
      return {st.users.size(), st.rooms.size(), st.operators.size()};
    },
    [self](stop_directory&) -> stop_directory_result {
      for (const auto& [name, e] : self->state.rooms)
        self->send_exit(e.handle, caf::exit_reason::user_shutdown);
      self->quit();
      return {};
    },
  };
}

directory_actor spawn_directory(caf::actor_system& sys, directory_config cfg) {
  return sys.spawn(directory_behavior, std::move(cfg));
}

} // namespace parley
