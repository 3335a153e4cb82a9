// The connection shell: input, output and the connection's life (interface in connection.hpp,
// the contract with sessions in connection_shell.hpp). What a line means is the session's.
#include "actors/connection_shell.hpp"

#include "util/invariant.hpp"

namespace parley {

namespace detail {

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
  st.kind->fill_route(self, r);
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
  PARLEY_INVARIANT(st.ph == phase::logging_in, "connection: chatting starts only from logging in");
  st.ph = phase::chatting;
  st.signed_on = st.last_spoke = self->clock().now();
}

describe_member_result describe_self(connection_self self) {
  const auto& st = self->state;
  describe_member_result r;
  st.kind->describe(self, r);
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
  st.kind->leave_rooms(self, reason);
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
  const auto& kind = *st.kind;
  while (!st.busy && !st.held && !st.pending.empty() && st.ph != phase::closed) {
    if (kind.may_take_line && !kind.may_take_line(self))
      break;
    auto item = std::move(st.pending.front());
    st.pending.pop_front();
    if (item.what == protocol::decoded_line::kind::too_long)
      kind.line_too_long(self);
    else
      kind.handle_line(self, std::move(item.text));
  }
  if (st.pending.size() <= st.cfg->max_pending_lines / 2)
    set_reading(self, true);
}

void on_bytes(connection_self self, net::bytes_received& x) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return;
  if (st.kind->input_seen)
    st.kind->input_seen(self);
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

bool count_failed_login(connection_self self) {
  auto& st = self->state;
  if (++st.failed_logins >= st.cfg->max_failed_logins)
    return true;
  st.busy = true; // released by login_delay_elapsed
  auto delay = std::chrono::milliseconds{st.cfg->failed_login_delay_ms * st.failed_logins};
  self->delayed_send(self, delay, login_delay_elapsed{});
  return false;
}

void hold_input(connection_self self, caf::timespan wait) {
  self->state.held = true;
  self->delayed_send(self, wait, flood_resume{});
}

void tell_command(connection_self self, const char* command) {
  if (const auto& told = self->state.cfg->on_command)
    told(self->state.kind->name, command);
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
      self->state.kind->deliver(self, x);
    },
    [](member_removed& x) {
      auto self = current();
      self->state.kind->removed_from(self, x.room);
    },
    [](end_session& x) {
      auto self = current();
      self->state.kind->killed(self, x);
      PARLEY_INVARIANT(self->state.ph == phase::closed, "connection: a killed session finishes");
    },
    [](describe_member&) { return describe_self(current()); },
    [](flood_resume&) {
      auto self = current();
      self->state.held = false;
      process_pending(self);
    },
    [](net::bytes_received& x) { on_bytes(current(), x); },
    [](net::connection_lost& x) { finish(current(), x.reason, false); },
    [](shut_down_connection& x) {
      auto self = current();
      self->state.kind->farewell(self, farewell_reason::server_shutting_down, x.reason);
      finish(self, "server shutting down", true);
    },
    [](login_delay_elapsed&) {
      auto self = current();
      if (self->state.ph == phase::closed)
        return;
      if (self->state.kind->login_delay_over)
        self->state.kind->login_delay_over(self);
      line_done(self);
    },
    [](idle_check&) {
      auto self = current();
      if (self->state.kind->idle_check)
        self->state.kind->idle_check(self);
    },
    [](login_timed_out&) {
      auto self = current();
      auto& st = self->state;
      if (st.ph == phase::chatting || st.ph == phase::closed)
        return;
      st.kind->farewell(self, farewell_reason::login_timed_out, {});
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
    if (self->state.ph != phase::chatting) {
      trace::redact_arguments(r, "bytes_received", "<redacted until login>");
      return;
    }
    auto secret = self->state.kind->secret_in_read;
    if (secret && r.compare(0, 16, "(bytes_received(") == 0)
      if (const char* label = secret(r))
        trace::redact_arguments(r, "bytes_received", label);
  });
  auto& st = self->state;
  st.id = id;
  st.peer = std::move(peer);
  st.deps = std::move(deps);
  PARLEY_INVARIANT(cfg->session != nullptr, "connection: a listener names a session kind");
  st.kind = cfg->session;
  // A session may allow more than the line limit (IRC's tags) and check both limits itself.
  st.decoder = protocol::line_decoder{cfg->max_line_bytes + st.kind->extra_line_bytes};
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.kind->room_failed(self, dm.source); });
  self->send(st.deps.transport, net::attach_connection{id, caf::actor_cast<net::sink_actor>(self),
                                                      st.cfg->max_output_bytes});
  // No login timer of its own: the listener sends login_timed_out (one timer for all).
  st.kind->start(self);
  PARLEY_INVARIANT(st.session != nullptr, "connection: a session's start creates its state");
  return shared_handlers();
}

connection_actor spawn_connection(caf::actor_system& sys, net::connection_id id, std::string peer,
                                  connection_deps deps,
                                  std::shared_ptr<const connection_config> cfg) {
  return sys.spawn(connection_behavior, id, std::move(peer), std::move(deps), std::move(cfg));
}

} // namespace parley
