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
};

/// Spawns the server's actors; connections start once the transport is told to listen.
server_handles spawn_server(caf::actor_system& sys, net::transport_actor transport,
                            server_config cfg);

/// Ends the actors that outlive the connections (directory and its rooms, authenticator).
/// Call after the listener has finished its shutdown.
void stop_server_actors(caf::actor_system& sys, const server_handles& h);

} // namespace parley
