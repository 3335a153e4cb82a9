// The connection actor's input, output and lifecycle (interface in connection.hpp; the login
// flow and commands are in session.cpp).
#include "actors/connection_state.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/irc_message.hpp"
#include "protocol/line_text.hpp"

namespace parley {

namespace detail {

namespace text = protocol::text;

// A slow reader is the transport's to bound (attach_connection::max_output_bytes): rooms write
// to it too, so only the transport sees all that waits for the client.
void write_shared(connection_self self, const shared_text& t, std::uint64_t once) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return;
  self->send(st.deps.transport, net::write_bytes{st.id, t, once});
}

void write(connection_self self, std::string s) { write_shared(self, shared_text{std::move(s)}); }

delivery_route route_for(connection_self self) {
  auto& st = self->state;
  delivery_route r;
  r.transport = st.deps.transport;
  r.conn = st.id;
  r.wall_clock_offset_ms = st.cfg->wall_clock_offset_ms;
  if (st.cfg->protocol == wire_protocol::irc) {
    const auto& caps = st.irc.caps;
    r.style = render_style::irc;
    r.server_time = caps.has(irc_cap::server_time);
    r.account_tag = caps.has(irc_cap::account_tag);
    r.away_notify = caps.has(irc_cap::away_notify);
  }
  return r;
}

void route_deliveries(connection_self self, const room_actor& room, const std::string& name) {
  self->send(room, set_delivery_route{name, route_for(self)});
}

void join_written(connection_self self) {
  self->send(self->state.deps.transport, net::release_fan_out{self->state.id});
}

void start_chatting(connection_self self) {
  auto& st = self->state;
  st.ph = phase::chatting;
  st.signed_on = st.last_spoke = self->clock().now();
}

describe_member_result describe_self(connection_self self) {
  const auto& st = self->state;
  describe_member_result r;
  if (st.cfg->protocol == wire_protocol::irc) {
    r = irc_describe(self);
  } else {
    r.user = r.realname = r.account = st.name; // line-protocol users always have an account
    if (!st.room_name.empty())
      r.rooms.push_back(st.room_name);
  }
  // The actor clock: virtual in the simulator, so WHOIS answers replay exactly.
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  r.idle_s = duration_cast<seconds>(self->clock().now() - st.last_spoke).count();
  auto signon_ms = duration_cast<milliseconds>(st.signed_on.time_since_epoch()).count();
  r.signon_unix = (signon_ms + st.cfg->wall_clock_offset_ms) / 1000;
  return r;
}

void finish(connection_self self, const std::string& reason, bool close_socket) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return;
  st.ph = phase::closed;
  if (!st.room_name.empty())
    self->request(st.room, caf::infinite, remove_member{st.name, leave_kind::quit, reason})
      .then([](remove_member_result&) {}, [](caf::error&) {});
  irc_leave_all(self, reason);
  if (st.claimed)
    self->send(st.deps.directory, release_name{st.name});
  if (close_socket)
    self->send(st.deps.transport, net::close_connection{st.id, false});
  self->quit();
}

namespace {

void set_reading(connection_self self, bool on) {
  auto& st = self->state;
  if (st.reading == on)
    return;
  st.reading = on;
  self->send(st.deps.transport, net::set_reading{st.id, on});
}

// Handles queued lines one at a time; a line that waits for an answer holds back the rest.
void process_pending(connection_self self) {
  auto& st = self->state;
  while (!st.busy && !st.irc.throttled && !st.pending.empty() && st.ph != phase::closed) {
    if (st.cfg->protocol == wire_protocol::irc && !irc_flood_gate(self))
      break;
    auto item = std::move(st.pending.front());
    st.pending.pop_front();
    if (item.what == protocol::decoded_line::kind::too_long) {
      if (st.cfg->protocol == wire_protocol::irc)
        irc_line_too_long(self);
      else
        write(self, text::error("line too long (limit " + std::to_string(st.cfg->max_line_bytes) +
                                " bytes); ignored"));
      continue;
    }
    // IRC text may carry formatting controls (\x01 ACTION, \x02 bold) and legacy encodings;
    // its parser refuses what the protocol forbids.
    auto problem = st.cfg->protocol == wire_protocol::irc ? protocol::line_problem::none
                                                           : protocol::check_line(item.text);
    if (problem != protocol::line_problem::none) {
      write(self, text::error(std::string{protocol::describe(problem)} + "; ignored"));
      continue;
    }
    handle_line(self, std::move(item.text));
  }
  if (st.pending.size() <= st.cfg->max_pending_lines / 2)
    set_reading(self, true);
}

void on_bytes(connection_self self, net::bytes_received& x) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return;
  if (st.cfg->protocol == wire_protocol::irc) { // any input shows the client is alive
    st.irc.last_input = self->clock().now();
    st.irc.ping_sent.reset();
  }
  std::vector<protocol::decoded_line> lines;
  st.decoder.feed(x.bytes, lines);
  for (auto& l : lines)
    st.pending.push_back(std::move(l));
  process_pending(self);
  // A flooding client is slowed down by back-pressure, never by unbounded buffering. Pausing
  // only for what is still queued after handling avoids a pause and resume per read.
  if (st.ph != phase::closed && st.pending.size() >= st.cfg->max_pending_lines)
    set_reading(self, false);
}

} // namespace

void line_done(connection_self self) {
  auto& st = self->state;
  st.busy = false;
  if (st.continuation) {
    auto rest = std::move(st.continuation);
    st.continuation = nullptr;
    rest();
    if (st.busy)
      return;
  }
  process_pending(self);
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

} // namespace detail

using namespace detail;

namespace {

connection_self current() { return trace::handling_actor<connection_self>(); }

// The handlers every connection shares: they capture nothing and find their connection with
// current(). Built once; each connection's behaviour is a reference to them.
const connection_actor::behavior_type& shared_handlers() {
  static const connection_actor::behavior_type handlers{
    [](deliver_text& x) {
      auto self = current();
      if (self->state.cfg->protocol == wire_protocol::irc)
        irc_deliver(self, x);
      else if (x.line.size() > 0)
        write_shared(self, x.line);
    },
    [](member_removed& x) {
      auto self = current();
      if (self->state.cfg->protocol == wire_protocol::irc) {
        irc_removed_from(self, x.room);
      } else if (self->state.room_name == x.room) {
        self->demonitor(self->state.room.address());
        self->state.room_name.clear();
        self->state.room = nullptr;
        write(self, text::info("You are in no room now. /join ROOM to enter one."));
      }
    },
    [](end_session& x) {
      auto self = current();
      if (self->state.cfg->protocol == wire_protocol::irc) {
        irc_killed(self, x);
        return;
      }
      write(self, text::error("disconnected by " + x.by + ": " + x.reason));
      finish(self, "killed by " + x.by + ": " + x.reason, true);
    },
    [](describe_member&) { return describe_self(current()); },
    [](flood_resume&) {
      auto self = current();
      self->state.irc.throttled = false;
      process_pending(self);
    },
    [](net::bytes_received& x) { on_bytes(current(), x); },
    [](net::connection_lost& x) { finish(current(), x.reason, false); },
    [](shut_down_connection& x) {
      auto self = current();
      if (self->state.cfg->protocol == wire_protocol::irc)
        write(self, "ERROR :Server shutting down: " + x.reason + "\r\n");
      else
        write(self, text::info("Server shutting down: " + x.reason));
      finish(self, "server shutting down", true);
    },
    [](login_delay_elapsed&) { login_delay_over(current()); },
    [](idle_check&) { irc_idle_check(current()); },
    [](login_timed_out&) {
      auto self = current();
      auto& st = self->state;
      if (st.ph == phase::chatting || st.ph == phase::closed)
        return;
      if (st.cfg->protocol == wire_protocol::irc)
        write(self, "ERROR :Closing link: registration timed out\r\n");
      else
        write(self, text::error("login timed out; goodbye"));
      finish(self, "login timed out", true);
    },
  };
  return handlers;
}

} // namespace

connection_actor::behavior_type connection_behavior(connection_self self, net::connection_id id,
                                                    std::string peer, connection_deps deps,
                                                    std::shared_ptr<const connection_config> cfg) {
  trace::attach(self, deps.tracer, "conn/" + std::to_string(id));
  self->set_render_filter([self](std::string& r) {
    if (self->state.ph != phase::chatting)
      trace::redact_arguments(r, "bytes_received", "<redacted until login>");
    else if (self->state.cfg->protocol == wire_protocol::irc &&
             r.compare(0, 16, "(bytes_received(") == 0 && has_oper_line(r))
      trace::redact_arguments(r, "bytes_received", "<redacted: OPER carries a password>");
  });
  auto& st = self->state;
  st.id = id;
  st.peer = std::move(peer);
  st.deps = std::move(deps);
  // IRC lines may carry up to 8191 bytes of tags before their 512 bytes (IRCv3 message-tags);
  // the IRC session checks both limits.
  st.decoder = protocol::line_decoder{cfg->protocol == wire_protocol::irc
                                        ? cfg->max_line_bytes + protocol::irc::max_tag_bytes
                                        : cfg->max_line_bytes};
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { room_failed(self, dm.source); });
  self->send(st.deps.transport, net::attach_connection{id, caf::actor_cast<net::sink_actor>(self),
                                                      st.cfg->max_output_bytes});
  start_session(self);
  return shared_handlers();
}

connection_actor spawn_connection(caf::actor_system& sys, net::connection_id id, std::string peer,
                                  connection_deps deps,
                                  std::shared_ptr<const connection_config> cfg) {
  return sys.spawn(connection_behavior, id, std::move(peer), std::move(deps), std::move(cfg));
}

} // namespace parley
