// The live network layer: one CAF io broker that owns every listening and client socket and
// speaks the transport messages of net/transport.hpp. One broker for all connections (rather
// than one per connection) because all brokers share the middleman's single I/O thread anyway:
// measured on this machine kind, a single broker kept pace with a raw epoll server while a broker
// per connection fell to under a third of that (docs/architecture.md).
#pragma once

#include "net/transport.hpp"

namespace parley::trace {
class tracer;
}

namespace parley::net {

struct tcp_transport_config {
  /// Per read while a client sends a lot (CAF keeps a buffer this big for it); every connection
  /// starts with 128-byte reads, and goes back to them after a quiet sweep interval.
  std::size_t read_chunk_bytes = 4096;
  trace::tracer* tracer = nullptr;     ///< records network events and the transport's messages
  /// How often idle connections' buffers are given back (2 s; tests shorten it).
  std::uint32_t buffer_sweep_interval_ms = 2000;
};

/// Spawns the TCP transport. The actor system must have loaded caf::io::middleman.
transport_actor spawn_tcp_transport(caf::actor_system& sys, tcp_transport_config cfg = {});

} // namespace parley::net
