// The JSON-lines session of the tests (json_session.hpp): a handful of commands on the same
// shell, directory and rooms as the line protocol and IRC. Rooms do not know how to render for
// it, so it asks them for deliver_text (a delivery route without a transport) and wraps each
// event's line-protocol wording in JSON.
#include "tests/sessions/json_session.hpp"

#include <nlohmann/json.hpp>

#include "actors/connection_shell.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/names.hpp"

namespace parley::testing {

namespace {

using detail::connection_self;
using nlohmann::json;

struct json_state : detail::session_state {
  std::string room_name;
  room_actor room;
};

json_state& json_of(connection_self self) {
  return static_cast<json_state&>(*self->state.session);
}

void send_json(connection_self self, const json& j) { detail::write(self, j.dump() + "\r\n"); }

void send_error(connection_self self, const std::string& why) { send_json(self, {{"error", why}}); }

void fail(connection_self self, caf::error&) { send_error(self, "the server could not complete that"); }

void sign_on(connection_self self, const std::string& raw) {
  auto name = protocol::normalize_user_name(raw);
  if (!name) {
    send_error(self, "invalid name");
    return;
  }
  self->state.name = *name;
  detail::await_reply<claim_name_result>(
    self, self->state.deps.directory, claim_name{*name, caf::actor_cast<member_actor>(self)},
    [self](claim_name_result& r) {
      if (!r.ok) {
        send_error(self, self->state.name + " is taken");
        return;
      }
      self->state.claimed = true;
      detail::start_chatting(self);
      send_json(self, {{"welcome", self->state.name}});
    },
    [self](caf::error& e) { fail(self, e); });
}

void join(connection_self self, const std::string& raw) {
  auto room = protocol::normalize_room_name(raw);
  if (!room || !json_of(self).room_name.empty()) {
    send_error(self, "cannot join that (one room per session)");
    return;
  }
  const auto& st = self->state;
  // Rooms show every member to IRC users by a mask, so this session has one too.
  join_room msg{*room, st.name, caf::actor_cast<member_actor>(self),
                protocol::irc::mask_of(st.name, st.cfg->host_cloak), {}, {},
                detail::route_for(self)};
  detail::await_reply<join_room_result>(
    self, st.deps.directory, std::move(msg),
    [self, room = *room](join_room_result& r) {
      if (!r.ok) {
        send_error(self, r.error);
        return;
      }
      json_of(self).room_name = room;
      json_of(self).room = r.room;
      auto members = json::array();
      for (const auto& m : r.members)
        members.push_back(m.name);
      send_json(self, {{"joined", room}, {"members", members}});
    },
    [self](caf::error& e) { fail(self, e); });
}

void say(connection_self self, const std::string& text) {
  if (json_of(self).room_name.empty()) {
    send_error(self, "join a room first");
    return;
  }
  post_line msg{self->state.name, text, line_kind::say, {}, {}};
  detail::await_reply<post_line_result>(
    self, json_of(self).room, std::move(msg),
    [self](post_line_result& r) {
      if (r.refused != refusal::none)
        send_error(self, "refused");
    },
    [self](caf::error& e) { fail(self, e); });
}

void handle_line(connection_self self, std::string line) {
  auto j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.size() != 1 || !j.begin().value().is_string()) {
    send_error(self, "expected one JSON object with one string member");
    return;
  }
  auto command = j.begin().key();
  auto arg = j.begin().value().get<std::string>();
  bool in = self->state.ph == detail::phase::chatting;
  if (command == "name" && !in)
    sign_on(self, arg);
  else if (command == "join" && in)
    join(self, arg);
  else if (command == "say" && in)
    say(self, arg);
  else
    send_error(self, "unknown command here: " + command);
}

void start(connection_self self) {
  self->state.session = std::make_unique<json_state>();
  send_json(self, {{"hello", "parley"}, {"send", {{"name", "NAME"}}}});
}

void deliver(connection_self self, const deliver_text& x) {
  auto text = x.line.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (!text.empty())
    send_json(self, {{"event", text}});
}

void leave_rooms(connection_self self, const std::string& reason) {
  const auto& st = json_of(self);
  if (!st.room_name.empty())
    self->request(st.room, caf::infinite, remove_member{self->state.name, leave_kind::quit, reason})
      .then([](remove_member_result&) {}, [](caf::error&) {});
}

void forget_room(connection_self self) {
  json_of(self).room_name.clear();
  json_of(self).room = nullptr;
  send_json(self, {{"left", true}});
}

session_kind make_kind() {
  session_kind k;
  k.name = "json";
  k.command_names = [] { return std::vector<std::string>{"name", "join", "say"}; };
  k.start = start;
  k.farewell = [](connection_self self, detail::farewell_reason, const std::string& why) {
    send_json(self, {{"bye", why}});
  };
  k.killed = [](connection_self self, const end_session& x) {
    send_json(self, {{"bye", "killed by " + x.by}});
    detail::finish(self, "killed by " + x.by, true);
  };
  k.leave_rooms = leave_rooms;
  k.handle_line = handle_line;
  k.line_too_long = [](connection_self self) { send_error(self, "line too long"); };
  // No transport in the route: rooms send this session deliver_text, never bytes.
  k.fill_route = [](connection_self, delivery_route& r) { r.transport = nullptr; };
  k.deliver = deliver;
  k.removed_from = [](connection_self self, const std::string& room) {
    if (room == json_of(self).room_name)
      forget_room(self);
  };
  k.room_failed = [](connection_self self, const caf::actor_addr& who) {
    if (json_of(self).room && who == json_of(self).room.address())
      forget_room(self);
  };
  k.describe = [](connection_self self, describe_member_result& r) {
    r.user = r.realname = self->state.name;
    if (!json_of(self).room_name.empty())
      r.rooms.push_back(json_of(self).room_name);
  };
  return k;
}

} // namespace

const session_kind& json_session() {
  static const session_kind kind = make_kind();
  return kind;
}

} // namespace parley::testing
