// The listener actor: receives accepted connections from the transport, spawns one connection
// actor per client, enforces the connection limit (with a clear refusal, never a silent close),
// and runs the graceful shutdown of all connections.
#pragma once

#include <cstdint>
#include <string>

#include "actors/address_limits.hpp"
#include "actors/connection.hpp"

namespace parley {

/// Tell every client the server is going down and wait until every connection has closed.
struct shutdown_server {
  std::string reason;
};
struct shutdown_server_result {
  std::uint64_t connections_closed;
};

/// The listener's own timer: connections still open when a shutdown's time is up are ended.
struct shutdown_deadline {};

/// The listener's own timer: connections accepted login_timeout_ms ago get login_timed_out.
/// One timer per listener, not one per connection: a pending CAF timer costs about 200 bytes
/// and cannot be cancelled, and most clients log in long before theirs would fire.
struct login_deadlines_due {};

/// The listener's own timer for IRC idle checks, when PINGs are on: every connection gets an
/// idle_check, every quarter of the shorter of the ping interval and the ping timeout.
struct idle_sweep_due {};

struct listener_stats {};
struct listener_stats_result {
  std::uint64_t open_connections;
  std::uint64_t accepted;
  std::uint64_t refused;
  std::uint64_t refused_per_address_count = 0; ///< of those, too many from one address at once
  std::uint64_t refused_per_address_rate = 0;  ///< of those, too fast from one address
};

using listener_actor = net::acceptor_actor::extend<
  caf::replies_to<shutdown_server>::with<shutdown_server_result>,
  caf::replies_to<listener_stats>::with<listener_stats_result>, caf::reacts_to<shutdown_deadline>,
  caf::reacts_to<login_deadlines_due>, caf::reacts_to<idle_sweep_due>>;

struct listener_config {
  std::uint64_t max_connections = 10000;
  std::uint32_t shutdown_timeout_ms = 5000; ///< then connections still open are ended
  connection_config connection;
  /// The per-address limits of this listener alone: it keeps its own address_limits, counting
  /// only its own connections (spawn_server sets it from server_config::per_address). Off by
  /// default here; parley serve's defaults come in through server_config.
  address_limits_config per_address = no_address_limits();
};

/// `name` is the listener's name in traces.
listener_actor spawn_listener(caf::actor_system& sys, connection_deps deps, listener_config cfg,
                              std::string name = "listener");

template <class F> typename F::result_type inspect(F& f, shutdown_server& x) {
  return f(caf::meta::type_name("shutdown_server"), x.reason);
}
template <class F> typename F::result_type inspect(F& f, shutdown_server_result& x) {
  return f(caf::meta::type_name("shutdown_server_result"), x.connections_closed);
}
template <class F> typename F::result_type inspect(F& f, shutdown_deadline&) {
  return f(caf::meta::type_name("shutdown_deadline"));
}
template <class F> typename F::result_type inspect(F& f, login_deadlines_due&) {
  return f(caf::meta::type_name("login_deadlines_due"));
}
template <class F> typename F::result_type inspect(F& f, idle_sweep_due&) {
  return f(caf::meta::type_name("idle_sweep_due"));
}
template <class F> typename F::result_type inspect(F& f, listener_stats&) {
  return f(caf::meta::type_name("listener_stats"));
}
template <class F> typename F::result_type inspect(F& f, listener_stats_result& x) {
  return f(caf::meta::type_name("listener_stats_result"), x.open_connections, x.accepted,
           x.refused, x.refused_per_address_count, x.refused_per_address_rate);
}

} // namespace parley
