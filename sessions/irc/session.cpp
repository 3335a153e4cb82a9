// The IRC session: its command table (as data: command, handler, minimum parameters, whether
// it is allowed before registration) and the operations the connection shell calls (events,
// goodbyes, flood control, idle checks, WHOIS). The commands themselves live in the other files
// of this folder, one concern each (irc_common.hpp lists them). It shares everything else with
// the line protocol: the connection shell (framing, output bound, back-pressure), the rooms (IRC
// channel #lobby is room lobby), the directory and the authenticator. Like the line protocol, a
// line whose handling asks another actor holds back the lines after it (await_reply), so
// replies never overtake the fan-out of earlier messages.
#include "sessions/irc/irc_session.hpp"

#include <cctype>
#include <chrono>

#include "sessions/irc/irc_common.hpp"
#include "protocol/irc_events.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

namespace {

void cmd_quit(connection_self self, const irc_message& m) {
  auto reason = m.params.empty() ? std::string{} : m.params[0];
  irc_message err;
  err.command = "ERROR";
  err.params = {"Closing Link: " + self->state.cfg->host_cloak + " (Quit: " + reason + ")"};
  send_msg(self, err);
  finish(self, reason, true);
}


struct irc_command {
  const char* name;
  void (*handler)(connection_self, const irc_message&);
  std::size_t min_params;
  bool before_registration; ///< allowed before the welcome burst
};

// The IRC command table, as data.
const irc_command irc_commands[] = {
  {"CAP", cmd_cap, 1, true},          {"AUTHENTICATE", cmd_authenticate, 1, true},
  {"PASS", cmd_pass, 1, true},        {"NICK", cmd_nick, 0, true},
  {"USER", cmd_user, 4, true},        {"PING", cmd_ping, 1, true},
  {"PONG", cmd_pong, 0, true},        {"QUIT", cmd_quit, 0, true},
  {"JOIN", cmd_join, 1, false},       {"PART", cmd_part, 1, false},
  {"PRIVMSG", cmd_privmsg, 0, false}, {"NOTICE", cmd_notice, 0, false},
  {"NAMES", cmd_names, 1, false},     {"WHO", cmd_who, 1, false},
  {"LIST", cmd_list, 0, false},       {"WHOIS", cmd_whois, 1, false},
  {"AWAY", cmd_away, 0, false},       {"MODE", cmd_mode, 1, false},
  {"TOPIC", cmd_topic, 1, false},     {"MOTD", cmd_motd, 0, false},
  {"VERSION", cmd_version, 0, false}, {"ISON", cmd_ison, 1, false},
  {"USERHOST", cmd_userhost, 1, false}, {"LUSERS", cmd_lusers, 0, false},
  {"TIME", cmd_time, 0, false},       {"KICK", cmd_kick, 2, false},
  {"INVITE", cmd_invite, 2, false},   {"OPER", cmd_oper, 2, false},
  {"KILL", cmd_kill, 2, false},       {"TAGMSG", cmd_tagmsg, 1, false},
};


// --- The session's operations (the table at the end) ---

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& c : irc_commands)
    names.emplace_back(c.name);
  return names;
}

// IRC clients speak first: there is no greeting.
void start(connection_self self) { self->state.session = std::make_unique<irc_session_state>(); }

void line_too_long(connection_self self) { reply(self, numeric::ERR_INPUTTOOLONG); }

void handle_line(connection_self self, std::string line) {
  if (line.empty())
    return;
  if (irc::irc_line_too_long(line)) { // 512 bytes without tags, the tags on top
    reply(self, numeric::ERR_INPUTTOOLONG);
    return;
  }
  std::string why;
  auto m = irc::parse_irc_line(line, &why);
  if (!m) {
    irc_message err;
    err.command = "ERROR";
    err.params = {"Malformed line: " + why};
    send_msg(self, err);
    return;
  }
  for (const auto& c : irc_commands) {
    if (m->command != c.name)
      continue;
    if (!c.before_registration && !registered(self))
      reply(self, numeric::ERR_NOTREGISTERED);
    else if (m->params.size() < c.min_params)
      reply(self, numeric::ERR_NEEDMOREPARAMS, {m->command});
    else {
      tell_command(self, c.name);
      c.handler(self, *m);
    }
    return;
  }
  if (registered(self))
    reply(self, numeric::ERR_UNKNOWNCOMMAND, {m->command});
  else
    reply(self, numeric::ERR_NOTREGISTERED);
}

void farewell(connection_self self, farewell_reason why, const std::string& detail) {
  if (why == farewell_reason::server_shutting_down)
    write(self, "ERROR :Server shutting down: " + detail + "\r\n");
  else
    write(self, "ERROR :Closing link: registration timed out\r\n");
}

// As ircds turn a client away (InspIRCd: "ERROR :Closing link: (...) [reason]").
std::string refuse_connection(const std::string& why) { return "ERROR :Closing link: " + why + "\r\n"; }

void leave_rooms(connection_self self, const std::string& reason) {
  auto& st = irc_of(self);
  // One id for the quit in every channel: a client sharing several sees one QUIT.
  auto once = st.channels.empty() ? 0 : next_once(self);
  for (const auto& [room, handle] : st.channels)
    self->request(handle, caf::infinite, remove_member{st.nick, leave_kind::quit, reason, once})
      .then([](remove_member_result&) {}, [](caf::error&) {});
  st.channels.clear();
}

void deliver(connection_self self, const deliver_text& x) {
  auto& st = irc_of(self);
  if (x.irc.size() == 0)
    return;
  if (x.to == audience::away_notify && !st.caps.has(irc_cap::away_notify))
    return;
  // An event from several rooms (x.once) is shown once: the transport drops repeats, since
  // rooms may also write it to this client directly (delivery_route).
  auto tags = tags_for(self, x.account);
  write_shared(self, tags.empty() ? x.irc : shared_text{tags + x.irc.str()}, x.once);
}

void removed_from(connection_self self, const std::string& room) {
  auto& chans = irc_of(self).channels;
  if (auto i = chans.find(room); i != chans.end()) {
    self->demonitor(i->second.address());
    chans.erase(i);
  }
}

void killed(connection_self self, const end_session& x) {
  auto reason = "Killed (" + x.by + " (" + x.reason + "))";
  irc_message err;
  err.command = "ERROR";
  err.params = {"Closing Link: " + self->state.cfg->host_cloak + " (" + reason + ")"};
  send_msg(self, err);
  finish(self, reason, true);
}

// Any input shows the client is alive (idle_check).
void input_seen(connection_self self) {
  auto& st = irc_of(self);
  st.last_input = self->clock().now();
  st.ping_sent.reset();
}

// The classic ircd scheme: each line moves the client's message time forward by the penalty;
// while it runs more than the burst ahead of the clock, input waits (and, once enough is
// queued, reading stops: back-pressure, never unbounded buffering). Operators are exempt.
bool flood_gate(connection_self self) {
  const auto& cfg = *self->state.cfg;
  auto& st = irc_of(self);
  if (cfg.irc_flood_penalty_ms == 0 || st.oper)
    return true;
  auto now = self->clock().now();
  if (st.flood_time < now)
    st.flood_time = now;
  auto burst = std::chrono::milliseconds{cfg.irc_flood_burst_ms};
  if (st.flood_time - now > burst) {
    hold_input(self, std::chrono::ceil<std::chrono::milliseconds>(st.flood_time - now - burst));
    return false;
  }
  st.flood_time += std::chrono::milliseconds{cfg.irc_flood_penalty_ms};
  return true;
}

// A registered client that has sent nothing for a ping interval gets a PING; one that then
// stays silent for the ping timeout is dropped. Called at each of the IRC listener's idle
// sweeps (idle_sweep_due), not by a timer per client: so both happen at the first sweep after
// they are due. Time is the actor clock's (virtual when simulated).
void idle_check(connection_self self) {
  const auto& cfg = *self->state.cfg;
  if (self->state.ph != phase::chatting || cfg.irc_ping_interval_ms == 0)
    return;
  auto& st = irc_of(self);
  auto now = self->clock().now();
  if (st.ping_sent) {
    if (now - *st.ping_sent >= std::chrono::milliseconds{cfg.irc_ping_timeout_ms}) {
      write(self, "ERROR :Closing link: ping timeout\r\n");
      finish(self, "ping timeout", true);
    }
    return;
  }
  if (now - st.last_input < std::chrono::milliseconds{cfg.irc_ping_interval_ms})
    return;
  server_line(self, "PING", {cfg.server_name});
  st.ping_sent = now;
}

// Whether a rendered bytes_received holds an IRC OPER line (at the start of the data or after a
// line break; the rendering shows a line feed as the two characters \n).
bool has_oper_line(const std::string& rendering) {
  // Called for every traced read: a case-insensitive search, without copying the rendering.
  auto oper_at = [&](std::size_t i) {
    static constexpr char word[] = "oper ";
    if (i + 5 > rendering.size())
      return false;
    for (std::size_t k = 0; k < 5; ++k)
      if (std::tolower(static_cast<unsigned char>(rendering[i + k])) != word[k])
        return false;
    return true;
  };
  for (std::size_t i = 0; i < rendering.size(); ++i) {
    char c = rendering[i];
    if ((c == '"' || c == '\r') && oper_at(i + 1))
      return true;
    if (c == '\\' && i + 1 < rendering.size() && rendering[i + 1] == 'n' && oper_at(i + 2))
      return true;
  }
  return false;
}

const char* secret_in_read(const std::string& rendering) {
  return has_oper_line(rendering) ? "<redacted: OPER carries a password>" : nullptr;
}

void room_failed(connection_self self, const caf::actor_addr& who) {
  auto& chans = irc_of(self).channels;
  for (auto i = chans.begin(); i != chans.end(); ++i)
    if (i->second.address() == who) {
      auto room = i->first;
      chans.erase(i);
      write(self, irc::part(my_mask(self), room, "the channel failed; JOIN it again"));
      return;
    }
}

void describe(connection_self self, describe_member_result& r) {
  const auto& irc = irc_of(self);
  r.user = irc.nick; // the user part of every IRC mask here (irc::mask_of)
  r.realname = irc.realname.empty() ? irc.nick : irc.realname;
  r.away = irc.away;
  r.account = irc.account;
  r.oper = irc.oper;
  for (const auto& [room, handle] : irc.channels)
    r.rooms.push_back(room);
}

void fill_route(connection_self self, delivery_route& r) {
  const auto& caps = irc_of(self).caps;
  r.style = render_style::irc;
  r.server_time = caps.has(irc_cap::server_time);
  r.account_tag = caps.has(irc_cap::account_tag);
  r.away_notify = caps.has(irc_cap::away_notify);
}

session_kind make_kind() {
  session_kind k;
  k.name = "irc";
  // IRC lines may carry up to 8191 bytes of tags before their 512 bytes (IRCv3 message-tags);
  // handle_line checks both limits.
  k.extra_line_bytes = irc::max_tag_bytes;
  k.command_names = command_names;
  k.start = start;
  k.farewell = farewell;
  k.killed = killed;
  k.refusal = refuse_connection;
  k.leave_rooms = leave_rooms;
  k.input_seen = input_seen;
  k.may_take_line = flood_gate;
  k.handle_line = handle_line;
  k.line_too_long = line_too_long;
  k.idle_check = idle_check;
  k.secret_in_read = secret_in_read;
  k.fill_route = fill_route;
  k.deliver = deliver;
  k.removed_from = removed_from;
  k.room_failed = room_failed;
  k.describe = describe;
  return k;
}

} // namespace

} // namespace parley::detail::ircs

namespace parley {

const session_kind& irc_session() {
  static const session_kind kind = detail::ircs::make_kind();
  return kind;
}

} // namespace parley
