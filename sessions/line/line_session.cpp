// The line protocol's session: the login flow (name, password or registration), the command
// table, and how events and goodbyes read. Every line that needs another actor's answer marks the
// connection busy until that answer arrives, so lines are handled strictly in order and a reply
// to a later line can never overtake the fan-out of an earlier chat line.
#include "sessions/line/line_session.hpp"

#include <algorithm>
#include <chrono>

#include "actors/connection_shell.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/line_command.hpp"
#include "protocol/line_text.hpp"
#include "protocol/names.hpp"

namespace parley::detail {

namespace text = protocol::text;

namespace {

/// Which prompt the next line answers, until the session is chatting.
enum class login_step { name, password, new_password };

/// What a line-protocol session keeps: its login step and its one room.
struct line_state : session_state {
  login_step step = login_step::name;
  std::string room_name; ///< current room, empty when in none
  room_actor room;
};

line_state& line_of(connection_self self) {
  return static_cast<line_state&>(*self->state.session);
}

void prompt_name(connection_self self);

// Starts a request whose answer the current line waits for; `on_result` runs, then the next line.
// `on_result` may start another request (or a timer) that the line waits for in turn.
template <class Result, class Dest, class Msg, class OnResult>
void await_line(connection_self self, const Dest& dest, Msg msg, OnResult on_result) {
  await_reply<Result>(self, dest, std::move(msg), std::move(on_result), [self](caf::error&) {
    write(self, text::error("the server could not complete that; try again"));
    if (self->state.ph != phase::chatting) {
      // Lines typed ahead answered prompts that no longer hold: start the login over.
      self->state.pending.clear();
      prompt_name(self);
    }
  });
}

std::string members_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " member" : " members");
}

void prompt_name(connection_self self) {
  line_of(self).step = login_step::name;
  write(self, text::name_prompt());
}

// --- Login ---

// Each failure costs a growing pause before the next attempt (input waits meanwhile), and the
// last one allowed closes the connection.
void fail_login(connection_self self, const std::string& why) {
  write(self, text::error(why));
  if (count_failed_login(self)) {
    write(self, text::error("too many failed logins; goodbye"));
    finish(self, "too many failed logins", true);
  }
}

void enter_room(connection_self self, const std::string& room);

void claim_and_enter(connection_self self) {
  auto& st = self->state;
  await_line<claim_name_result>(self, st.deps.directory, claim_name{st.name, caf::actor_cast<member_actor>(self)},
             [self](claim_name_result& r) {
               auto& st = self->state;
               if (!r.ok) {
                 write(self, text::error(st.name + " is already logged in"));
                 prompt_name(self);
                 return;
               }
               st.claimed = true;
               start_chatting(self);
               write(self, text::info("Logged in as " + st.name + "."));
               enter_room(self, st.cfg->default_room);
             });
}

void on_name(connection_self self, const std::string& line) {
  auto& st = self->state;
  if (line.empty()) {
    prompt_name(self);
    return;
  }
  auto name = protocol::normalize_user_name(line);
  if (!name) {
    write(self, text::error(std::string{"invalid name: "} + protocol::name_rule()));
    prompt_name(self);
    return;
  }
  st.name = *name;
  await_line<check_account_result>(self, st.deps.auth, check_account{st.name}, [self](check_account_result& r) {
    auto& st = self->state;
    if (r.exists) {
      line_of(self).step = login_step::password;
      write(self, text::password_prompt(st.name));
    } else if (st.cfg->allow_register) {
      line_of(self).step = login_step::new_password;
      write(self, text::new_password_prompt(st.name, st.cfg->min_password_length));
    } else {
      fail_login(self, "no such account: " + st.name);
    }
  });
}

void on_password(connection_self self, std::string line) {
  auto& st = self->state;
  await_line<verify_password_result>(self, st.deps.auth, verify_password{st.name, secret{std::move(line)}},
             [self](verify_password_result& r) {
               if (r.ok)
                 claim_and_enter(self);
               else
                 fail_login(self, "wrong password");
             });
}

void on_new_password(connection_self self, std::string line) {
  auto& st = self->state;
  if (line.size() < st.cfg->min_password_length) {
    write(self, text::error("password too short"));
    write(self, text::new_password_prompt(st.name, st.cfg->min_password_length));
    return;
  }
  await_line<register_account_result>(self, st.deps.auth, register_account{st.name, secret{std::move(line)}},
             [self](register_account_result& r) {
               if (r.ok) {
                 write(self, text::info("Account " + self->state.name + " registered."));
                 claim_and_enter(self);
               } else {
                 write(self, text::error("cannot register " + self->state.name + ": " + r.error));
                 prompt_name(self);
               }
             });
}

// --- Rooms ---

std::vector<std::string> names_of(const std::vector<member_status>& members) {
  std::vector<std::string> out;
  out.reserve(members.size());
  for (const auto& m : members)
    out.push_back(m.name);
  return out;
}

void enter_room(connection_self self, const std::string& room) {
  auto& st = self->state;
  join_room msg{room, st.name, caf::actor_cast<member_actor>(self),
                protocol::irc::mask_of(st.name, st.cfg->host_cloak), {}, st.name,
                route_for(self)};
  await_reply<join_room_result>(
    self, st.deps.directory, std::move(msg),
    [self, room](join_room_result& r) {
      if (!r.ok) {
        write(self, text::error("cannot join " + room + ": " + r.error));
        join_written(self);
        return;
      }
      auto& line = line_of(self);
      line.room_name = room;
      line.room = r.room;
      self->monitor(line.room); // a crashed room is reported to the user (room_failed)
      write(self, text::info("You are in " + room + " (" + members_phrase(r.members.size()) +
                             ": " + text::join(names_of(r.members)) + ")."));
      join_written(self);
    },
    [self](caf::error&) {
      write(self, text::error("the server could not complete that; try again"));
      join_written(self);
    });
}

// Leaves the current room, then runs `next` (another join, or nothing).
template <class Next>
void leave_room(connection_self self, leave_kind kind, std::string reason, Next next) {
  auto& line = line_of(self);
  auto room = line.room;
  auto left = line.room_name;
  self->demonitor(room.address());
  line.room_name.clear();
  line.room = nullptr;
  await_line<remove_member_result>(self, room, remove_member{self->state.name, kind, std::move(reason)},
             [next, left](remove_member_result&) mutable { next(left); });
}

bool require_room(connection_self self) {
  if (!line_of(self).room_name.empty())
    return true;
  write(self, text::error("you are not in a room; /join ROOM first"));
  return false;
}

void post(connection_self self, std::string line, bool action) {
  if (!require_room(self))
    return;
  auto& st = self->state;
  st.last_spoke = self->clock().now();
  auto kind = action ? line_kind::action : line_kind::say;
  await_line<post_line_result>(self, line_of(self).room, post_line{st.name, std::move(line), kind, {}, {}},
             [self](post_line_result& r) {
               if (r.refused != refusal::none) // an IRC operator moderated the room or banned us
                 write(self, text::error("you cannot post in " + line_of(self).room_name +
                                         " now (moderated, or you are banned)"));
             });
}

// --- Commands: one row each in the table below ---

void cmd_join(connection_self self, const std::string& arg) {
  auto room = protocol::normalize_room_name(arg);
  if (!room) {
    write(self, text::error(std::string{"invalid room name: "} + protocol::name_rule()));
    return;
  }
  if (*room == line_of(self).room_name) {
    write(self, text::info("You are already in " + *room + "."));
    return;
  }
  if (line_of(self).room_name.empty()) {
    enter_room(self, *room);
    return;
  }
  leave_room(self, leave_kind::part, "", [self, r = *room](const std::string&) {
    enter_room(self, r);
  });
}

void cmd_part(connection_self self, const std::string&) {
  if (!require_room(self))
    return;
  leave_room(self, leave_kind::part, "", [self](const std::string& left) {
    write(self, text::info("You left " + left + ". /join ROOM to enter another."));
  });
}

void cmd_rooms(connection_self self, const std::string&) {
  await_line<list_rooms_result>(self, self->state.deps.directory, list_rooms{}, [self](list_rooms_result& r) {
    std::string s;
    for (const auto& room : r.rooms)
      if (!room.secret || room.name == line_of(self).room_name)
        s += (s.empty() ? "" : ", ") + room.name + " (" + std::to_string(room.members) + ")";
    write(self, text::info("Rooms: " + (s.empty() ? std::string{"none"} : s)));
  });
}

void cmd_who(connection_self self, const std::string&) {
  if (!require_room(self))
    return;
  auto room = line_of(self).room_name;
  await_line<list_members_result>(self, line_of(self).room, list_members{}, [self, room](list_members_result& r) {
    write(self, text::info("Members of " + room + " (" + std::to_string(r.members.size()) +
                           "): " + text::join(names_of(r.members))));
  });
}

void cmd_msg(connection_self self, const std::string& arg) {
  auto split = protocol::split_first_word(arg);
  auto target = protocol::normalize_user_name(split.first);
  auto line = std::move(split.second);
  if (!target || line.empty()) {
    write(self, text::error("usage: /msg NAME TEXT"));
    return;
  }
  auto& st = self->state;
  st.last_spoke = self->clock().now();
  send_private msg{st.name, *target, line, protocol::irc::mask_of(st.name, st.cfg->host_cloak),
                   false, st.name};
  await_line<send_private_result>(self, st.deps.directory, std::move(msg),
             [self, to = *target, line](send_private_result& r) {
               if (!r.delivered) {
                 write(self, text::error("no such user: " + to));
                 return;
               }
               write(self, text::private_to(to, line));
               if (!r.away.empty()) // an IRC user who set AWAY
                 write(self, text::info(to + " is away: " + r.away));
             });
}

void cmd_me(connection_self self, const std::string& arg) {
  if (arg.empty()) {
    write(self, text::error("usage: /me ACTION"));
    return;
  }
  post(self, arg, true);
}

void cmd_quit(connection_self self, const std::string& arg) {
  write(self, text::info("Goodbye."));
  finish(self, arg, true);
}

void cmd_help(connection_self self, const std::string&) { write(self, text::help()); }

struct command_row {
  const char* name;
  void (*handler)(connection_self, const std::string&);
  bool takes_argument; ///< false: anything after the command is an error
  const char* usage;
};

// The line protocol's commands, as data. All of them need a logged-in session.
const command_row commands[] = {
  {"join", cmd_join, true, "/join ROOM"},   {"part", cmd_part, false, "/part"},
  {"rooms", cmd_rooms, false, "/rooms"},    {"who", cmd_who, false, "/who"},
  {"msg", cmd_msg, true, "/msg NAME TEXT"}, {"me", cmd_me, true, "/me ACTION"},
  {"quit", cmd_quit, true, "/quit [REASON]"}, {"help", cmd_help, false, "/help"},
};

void on_command(connection_self self, const std::string& name, const std::string& arg) {
  for (const auto& row : commands) {
    if (name != row.name)
      continue;
    if (!row.takes_argument && !arg.empty()) {
      write(self, text::error(std::string{"usage: "} + row.usage));
      return;
    }
    tell_command(self, row.name);
    row.handler(self, arg);
    return;
  }
  write(self, text::error("unknown command /" + name + "; try /help"));
}

void on_chat_line(connection_self self, const std::string& line) {
  auto in = protocol::parse_chat_line(line);
  switch (in.what) {
    case protocol::chat_input::kind::empty: // an empty line is ignored
      return;
    case protocol::chat_input::kind::command:
      on_command(self, in.name, in.arg);
      return;
    case protocol::chat_input::kind::say: // "//text" sends "/text"
      post(self, std::move(in.text), false);
      return;
  }
}

// --- The session's operations (the table at the end) ---

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& row : commands)
    names.emplace_back(row.name);
  return names;
}

void start(connection_self self) {
  self->state.session = std::make_unique<line_state>();
  write(self, text::greeting());
  prompt_name(self);
}

void handle_line(connection_self self, std::string line) {
  // Line-protocol text is plain: control characters and invalid UTF-8 are refused.
  auto problem = protocol::check_line(line);
  if (problem != protocol::line_problem::none) {
    write(self, text::error(std::string{protocol::describe(problem)} + "; ignored"));
    return;
  }
  if (self->state.ph == phase::closed)
    return;
  if (self->state.ph == phase::chatting) {
    on_chat_line(self, line);
    return;
  }
  switch (line_of(self).step) {
    case login_step::name:
      on_name(self, line);
      break;
    case login_step::password:
      on_password(self, std::move(line));
      break;
    case login_step::new_password:
      on_new_password(self, std::move(line));
      break;
  }
}

void line_too_long(connection_self self) {
  write(self, text::error("line too long (limit " + std::to_string(self->state.cfg->max_line_bytes) +
                          " bytes); ignored"));
}

void farewell(connection_self self, farewell_reason why, const std::string& detail) {
  if (why == farewell_reason::server_shutting_down)
    write(self, text::info("Server shutting down: " + detail));
  else
    write(self, text::error("login timed out; goodbye"));
}

void killed(connection_self self, const end_session& x) {
  write(self, text::error("disconnected by " + x.by + ": " + x.reason));
  finish(self, "killed by " + x.by + ": " + x.reason, true);
}

void leave_rooms(connection_self self, const std::string& reason) {
  auto& line = line_of(self);
  if (!line.room_name.empty())
    self->request(line.room, caf::infinite, remove_member{self->state.name, leave_kind::quit, reason})
      .then([](remove_member_result&) {}, [](caf::error&) {});
}

void deliver(connection_self self, const deliver_text& x) {
  if (x.line.size() > 0) // an event with no line-protocol form (an AWAY) is not shown
    write_shared(self, x.line);
}

void removed_from(connection_self self, const std::string& room) {
  auto& line = line_of(self);
  if (line.room_name != room)
    return;
  self->demonitor(line.room.address());
  line.room_name.clear();
  line.room = nullptr;
  write(self, text::info("You are in no room now. /join ROOM to enter one."));
}

void room_failed(connection_self self, const caf::actor_addr& who) {
  auto& line = line_of(self);
  if (line.room_name.empty() || who != line.room.address())
    return;
  write(self, text::error("room " + line.room_name + " failed; you are in no room now. /join " +
                          line.room_name + " to enter it again"));
  line.room_name.clear();
  line.room = nullptr;
}

void describe(connection_self self, describe_member_result& r) {
  const auto& st = self->state;
  r.user = r.realname = r.account = st.name; // line-protocol users always have an account
  if (!line_of(self).room_name.empty())
    r.rooms.push_back(line_of(self).room_name);
}

void fill_route(connection_self, delivery_route& r) { r.style = render_style::line; }

session_kind make_kind() {
  session_kind k;
  k.name = "line";
  k.command_names = command_names;
  k.start = start;
  k.farewell = farewell;
  k.killed = killed;
  k.refusal = [](const std::string& why) { return text::error(why); };
  k.leave_rooms = leave_rooms;
  k.handle_line = handle_line;
  k.line_too_long = line_too_long;
  k.login_delay_over = prompt_name; // each attempt starts at the name prompt again
  k.fill_route = fill_route;
  k.deliver = deliver;
  k.removed_from = removed_from;
  k.room_failed = room_failed;
  k.describe = describe;
  return k;
}

} // namespace

} // namespace parley::detail

namespace parley {

const session_kind& line_session() {
  static const session_kind kind = detail::make_kind();
  return kind;
}

} // namespace parley
