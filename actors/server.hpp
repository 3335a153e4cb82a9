// Wires one Parley server together: directory, authenticator and listener over a given
// transport. The live server passes the TCP transport, tests and the simulator their own; the
// actors are the same either way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/authenticator.hpp"
#include "actors/directory.hpp"
#include "actors/listener.hpp"

namespace parley {

struct server_config {
  listener_config listener;
  /// The IRC front end: a second listener whose connections speak IRC, over the same rooms,
  /// directory and authenticator. Absent: no IRC.
  std::optional<listener_config> irc_listener;
  /// How many connections one client address may hold at once and how fast it may open them,
  /// on each listener: each keeps its own counts, so the line and IRC ports each allow these
  /// figures (docs/security.md). The defaults are a public server's;
  /// the simulator (whose clients share one address unless told otherwise) and the live test
  /// fixture (all its clients come from 127.0.0.1) turn them off explicitly.
  address_limits_config per_address;
  directory_config directory;
  authenticator_config auth;
  /// Optionally puts an actor in front of the authenticator (the simulator's fault injection
  /// uses it to make authentication slow or fail); it must end when the authenticator does.
  std::function<authenticator_actor(caf::actor_system&, authenticator_actor)> decorate_auth;
  /// Records every actor's messages (docs/traces.md); null: no tracing.
  trace::tracer* tracer = nullptr;
};

struct server_handles {
  net::transport_actor transport;
  directory_actor directory;
  authenticator_actor auth;
  listener_actor listener;
  listener_actor irc_listener; ///< null without IRC
  /// Whether the listeners have per-address limits (each its own; listener_stats has their
  /// refusal counts); false when server_config::per_address turns both limits off.
  bool per_address = false;
};

/// Spawns the server's actors; connections start once the transport is told to listen.
server_handles spawn_server(caf::actor_system& sys, net::transport_actor transport,
                            server_config cfg);

/// Ends the actors that outlive the connections (directory and its rooms, authenticator).
/// Call after the listener has finished its shutdown.
void stop_server_actors(caf::actor_system& sys, const server_handles& h);

} // namespace parley
