// The listener actor's behaviour (interface in listener.hpp).
#include "actors/listener.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "caf/all.hpp"

#include "actors/connection_shell.hpp"
#include "protocol/line_text.hpp"
#include "trace/traced_self.hpp"

namespace parley {

namespace {

struct listener_state {
  connection_deps deps;
  listener_config cfg;
  std::shared_ptr<const connection_config> connection_cfg; ///< one copy for all connections
  std::map<net::connection_id, connection_actor> connections; // by id: deterministic order
  std::map<caf::actor_addr, net::connection_id> ids;
  /// This listener's own per-address limits (from cfg.per_address); none when both are off.
  std::optional<address_limits> per_address;
  /// The client address of each connection counted by per_address (released at its end).
  std::map<net::connection_id, std::string> addresses;
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t closed_during_shutdown = 0;
  std::optional<caf::typed_response_promise<shutdown_server_result>> shutdown;
  /// When each connection's time to log in is up, in accept order (so in deadline order).
  std::deque<std::pair<caf::actor_clock::time_point, net::connection_id>> login_deadlines;
};

using listener_self = trace::stateful_self<listener_actor, listener_state>;

// No connection actor exists: the refusal goes straight to the transport, in the words of the
// listener's protocol (line: "ERROR why"; IRC: "ERROR :Closing link: why"), then the close.
void refuse(listener_self self, net::connection_id id, const std::string& why) {
  auto& st = self->state;
  ++st.refused;
  const auto* kind = st.cfg.connection.session;
  auto line = kind && kind->refusal ? kind->refusal(why) : protocol::text::error(why);
  self->send(st.deps.transport, net::write_bytes{id, shared_text{std::move(line)}});
  self->send(st.deps.transport, net::close_connection{id, false});
}

// The per-address limits (actors/address_limits.hpp), after the server-wide ones: true if the
// connection may go on (it is then counted for its address until it ends).
bool admit_address(listener_self self, const net::connection_accepted& x) {
  auto& st = self->state;
  if (!st.per_address)
    return true;
  auto address = peer_address(x.peer);
  auto verdict = st.per_address->admit(address, self->clock().now());
  if (!verdict.admitted) {
    refuse(self, x.id, verdict.why);
    return false;
  }
  st.addresses.emplace(x.id, std::move(address));
  return true;
}

void on_accepted(listener_self self, net::connection_accepted& x) {
  auto& st = self->state;
  if (st.shutdown) {
    refuse(self, x.id, "server shutting down");
    return;
  }
  if (st.connections.size() >= st.cfg.max_connections) {
    refuse(self, x.id, "server full (" + std::to_string(st.cfg.max_connections) +
                         " connections); try again later");
    return;
  }
  if (!admit_address(self, x))
    return;
  ++st.accepted;
  auto conn = spawn_connection(self->system(), x.id, x.peer, st.deps, st.connection_cfg);
  self->monitor(conn);
  st.ids.emplace(conn.address(), x.id);
  st.connections.emplace(x.id, std::move(conn));
  auto timeout = std::chrono::milliseconds{st.cfg.connection.login_timeout_ms};
  // A login_deadlines_due is on its way exactly while deadlines wait.
  if (st.login_deadlines.empty())
    self->delayed_send(self, timeout, login_deadlines_due{});
  st.login_deadlines.emplace_back(self->clock().now() + timeout, x.id);
}

// Every connection whose time to log in is up is told so (one that has logged in ignores it);
// the timer is set again for the next deadline.
void on_login_deadlines(listener_self self) {
  auto& st = self->state;
  auto now = self->clock().now();
  while (!st.login_deadlines.empty() && st.login_deadlines.front().first <= now) {
    if (auto c = st.connections.find(st.login_deadlines.front().second); c != st.connections.end())
      self->send(c->second, login_timed_out{});
    st.login_deadlines.pop_front();
  }
  if (!st.login_deadlines.empty()) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(st.login_deadlines.front().first - now);
    self->delayed_send(self, wait, login_deadlines_due{});
  }
}

void maybe_finish_shutdown(listener_self self) {
  auto& st = self->state;
  if (st.shutdown && st.connections.empty()) {
    st.shutdown->deliver(shutdown_server_result{st.closed_during_shutdown});
    st.shutdown.reset();
    self->quit();
  }
}

// IRC idle checks: one timer per listener, not one per client (see login_deadlines_due). A
// client is PINGed up to a quarter interval late, as with ircds that check on a periodic sweep.
std::chrono::milliseconds idle_sweep_interval(const connection_config& c) {
  auto shorter = c.irc_ping_timeout_ms == 0 ? c.irc_ping_interval_ms
                                            : std::min(c.irc_ping_interval_ms, c.irc_ping_timeout_ms);
  return std::chrono::milliseconds{std::max<std::uint32_t>(10, shorter / 4)};
}

void on_idle_sweep(listener_self self) {
  auto& st = self->state;
  for (const auto& [id, conn] : st.connections)
    self->send(conn, idle_check{});
  self->delayed_send(self, idle_sweep_interval(st.cfg.connection), idle_sweep_due{});
}

} // namespace

listener_actor::behavior_type listener_behavior(listener_self self, connection_deps deps,
                                                listener_config cfg, std::string name) {
  trace::attach(self, deps.tracer, name);
  self->state.deps = std::move(deps);
  self->state.cfg = std::move(cfg);
  self->state.connection_cfg = std::make_shared<const connection_config>(self->state.cfg.connection);
  if (self->state.cfg.per_address.any())
    self->state.per_address.emplace(self->state.cfg.per_address);
  const auto& cc = self->state.cfg.connection;
  if (cc.session && cc.session->idle_check && cc.irc_ping_interval_ms > 0)
    self->delayed_send(self, idle_sweep_interval(cc), idle_sweep_due{});
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.ids.find(dm.source);
    if (i == st.ids.end())
      return;
    auto id = i->second;
    st.connections.erase(id);
    st.ids.erase(i);
    if (auto a = st.addresses.find(id); a != st.addresses.end()) {
      st.per_address->release(a->second, self->clock().now());
      st.addresses.erase(a);
    }
    // Supervision: a connection actor that crashed cannot close its own socket.
    if (dm.reason && dm.reason != caf::exit_reason::normal && !st.shutdown) {
      self->send(st.deps.transport,
                 net::write_bytes{id, shared_text{protocol::text::error(
                                        "internal error; connection closed")}});
      self->send(st.deps.transport, net::close_connection{id, false});
    }
    if (st.shutdown)
      ++st.closed_during_shutdown;
    maybe_finish_shutdown(self);
  });
  return {
    [self](net::connection_accepted& x) { on_accepted(self, x); },
    [self](shutdown_server& x) {
      auto rp = self->make_response_promise<shutdown_server_result>();
      self->state.shutdown = rp;
      for (const auto& [id, conn] : self->state.connections)
        self->send(conn, shut_down_connection{x.reason});
      self->delayed_send(self, std::chrono::milliseconds{self->state.cfg.shutdown_timeout_ms},
                         shutdown_deadline{});
      maybe_finish_shutdown(self);
      return rp;
    },
    [self](shutdown_deadline&) {
      // Connections that have not closed by now are ended, so the server can still exit.
      for (const auto& [id, conn] : self->state.connections)
        self->send_exit(conn, caf::exit_reason::kill);
    },
    [self](login_deadlines_due&) { on_login_deadlines(self); },
    [self](idle_sweep_due&) { on_idle_sweep(self); },
    [self](listener_stats&) -> listener_stats_result {
      auto& st = self->state;
      listener_stats_result r{st.connections.size(), st.accepted, st.refused};
      if (st.per_address) {
        auto limits = st.per_address->stats();
        r.refused_per_address_count = limits.refused_count;
        r.refused_per_address_rate = limits.refused_rate;
      }
      return r;
    },
  };
}

listener_actor spawn_listener(caf::actor_system& sys, connection_deps deps, listener_config cfg,
                              std::string name) {
  return sys.spawn(listener_behavior, std::move(deps), std::move(cfg), std::move(name));
}

} // namespace parley
