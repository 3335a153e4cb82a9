// Spawning and stopping a server's actors (see server.hpp).
#include "actors/server.hpp"

#include "caf/all.hpp"

#include "sessions/irc/irc_session.hpp"
#include "sessions/line/line_session.hpp"

namespace parley {

server_handles spawn_server(caf::actor_system& sys, net::transport_actor transport,
                            server_config cfg) {
  server_handles h;
  h.transport = transport;
  cfg.directory.default_room = cfg.listener.connection.default_room;
  cfg.directory.tracer = cfg.auth.tracer = cfg.tracer;
  h.directory = spawn_directory(sys, cfg.directory);
  h.auth = spawn_authenticator(sys, std::move(cfg.auth));
  if (cfg.decorate_auth)
    h.auth = cfg.decorate_auth(sys, h.auth);
  connection_deps deps{transport, h.directory, h.auth, cfg.tracer};
  // Each listener keeps its own per-address counts (no state shared between actors): a
  // client's line and IRC connections are limited per port, not together.
  h.per_address = cfg.per_address.any();
  cfg.listener.per_address = cfg.per_address;
  if (cfg.irc_listener)
    cfg.irc_listener->per_address = cfg.per_address;
  if (!cfg.listener.connection.session)
    cfg.listener.connection.session = &line_session();
  h.listener = spawn_listener(sys, deps, std::move(cfg.listener));
  if (cfg.irc_listener) {
    if (!cfg.irc_listener->connection.session)
      cfg.irc_listener->connection.session = &irc_session();
    cfg.irc_listener->connection.max_line_bytes = 510; // 512 with CRLF
    h.irc_listener = spawn_listener(sys, deps, std::move(*cfg.irc_listener), "irc-listener");
  }
  return h;
}

void stop_server_actors(caf::actor_system&, const server_handles& h) {
  caf::anon_send(h.directory, stop_directory{});
  caf::anon_send_exit(h.auth, caf::exit_reason::user_shutdown);
}

} // namespace parley
