// The network layer as actors see it: typed messages only. A transport accepts connections,
// delivers their bytes to an attached sink actor, writes bytes and closes connections. The live
// server uses the TCP transport (net/tcp_transport.hpp); the simulator drops in an in-memory one
// that handles exactly the same messages, so actor code never knows which one it talks to.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/meta/load_callback.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "net/payload.hpp"

namespace parley::net {

using connection_id = std::uint64_t;

// --- Events the transport sends to the acceptor (the listener) ---

/// A client connected; `peer` is a readable address ("127.0.0.1:50432").
struct connection_accepted {
  connection_id id;
  std::string peer;
};

// --- Events the transport sends to the sink attached to a connection ---

/// Bytes read from the client, in order; reads may split or join lines anywhere.
struct bytes_received {
  connection_id id;
  std::string bytes;
};

/// The peer closed the connection or it failed, or the transport dropped it because its
/// unsent output passed the bound given at attach time (a slow reader); no more events follow.
struct connection_lost {
  connection_id id;
  std::string reason;
};

using sink_actor =
  caf::typed_actor<caf::reacts_to<bytes_received>, caf::reacts_to<connection_lost>>;

/// Why the transport drops a connection whose reader does not keep up.
inline constexpr const char* output_overflow_reason = "output queue overflow (client too slow)";

using acceptor_actor = caf::typed_actor<caf::reacts_to<connection_accepted>>;

// --- Commands to the transport ---

/// Start listening on `host:port` pairs; accepted connections go to `acceptor`.
struct listen_on {
  std::vector<std::string> endpoints;
  acceptor_actor acceptor;
};
/// The addresses actually bound (port 0 resolved), in the order asked.
struct listen_on_result {
  std::vector<std::string> bound;
};

/// Route this connection's events to `sink`; bytes that arrived earlier are delivered now.
/// Once more than `max_output_bytes` wait to be sent (0: no bound), the transport drops the
/// connection and reports it lost with output_overflow_reason: several actors write to one
/// connection (its own actor, and rooms fanning out), so only the transport sees the total.
struct attach_connection {
  connection_id id;
  sink_actor sink;
  std::uint64_t max_output_bytes = 0;
};

/// Queue `data` for the client, after everything written before. A non-zero `once` names an
/// event that may reach the client from several rooms (a QUIT, a NICK): the transport writes
/// it to each connection at most once.
struct write_bytes {
  connection_id id;
  shared_text data;
  std::uint64_t once = 0;
};

/// Connections a fan-out goes to. Shared and immutable: a room sends the same list with every
/// event until its membership changes, so a line to N members costs the room no work per member.
using connection_list = std::shared_ptr<const std::vector<connection_id>>;

/// One rendering of an event and the connections that get it.
struct fan_out_part {
  shared_text data;
  connection_list ids;
  /// One of `ids` that does not get this part (the member who wrote the line), or 0.
  connection_id except = 0;

  /// The first connection in `ids` that gets the part, or 0 if none does.
  connection_id first_recipient() const {
    if (!ids)
      return 0;
    for (auto id : *ids)
      if (id != except)
        return id;
    return 0;
  }
  std::size_t recipients() const {
    if (!ids)
      return 0;
    bool skips = except != 0 && std::find(ids->begin(), ids->end(), except) != ids->end();
    return ids->size() - (skips ? 1 : 0);
  }
  /// Calls f(id) for every connection that gets the part, in list order.
  template <class F>
  void for_each_recipient(F f) const {
    if (ids)
      for (auto id : *ids)
        if (id != except)
          f(id);
  }
};

/// Queue each part's data for each of its connections: a room's event for all its members in
/// one message, one shared buffer per rendering. `once` as for write_bytes.
struct fan_out_bytes {
  std::vector<fan_out_part> parts;
  std::uint64_t once = 0;
};

/// Hold back fan_out_bytes for this connection, in order, until release_fan_out. A room sends
/// it as it admits a member whose connection has yet to write the join's own lines (IRC JOIN,
/// topic, NAMES; the line protocol's "You are in ..."), so the room's later events cannot reach
/// the client first, yet are already queued behind everything sent before. Holds nest.
struct hold_fan_out {
  connection_id id;
};
/// The connection has written the join's lines (or the join failed): what a hold kept back goes
/// out now. A release with nothing held does nothing.
struct release_fan_out {
  connection_id id;
};

/// Stop (or resume) reading from the client: back-pressure for a flooding client.
struct set_reading {
  connection_id id;
  bool enabled;
};

/// Close the connection: flush what is queued first, or drop it when `discard_pending` (a slow
/// reader whose queue overflowed). No `connection_lost` follows for a close the server asked for.
struct close_connection {
  connection_id id;
  bool discard_pending;
};

/// Stop accepting, close every connection and stop the transport.
struct stop_transport {};
struct stop_transport_result {};

using transport_actor =
  caf::typed_actor<caf::replies_to<listen_on>::with<listen_on_result>,
                   caf::reacts_to<attach_connection>, caf::reacts_to<write_bytes>,
                   caf::reacts_to<fan_out_bytes>, caf::reacts_to<hold_fan_out>,
                   caf::reacts_to<release_fan_out>,
                   caf::reacts_to<set_reading>, caf::reacts_to<close_connection>,
                   caf::replies_to<stop_transport>::with<stop_transport_result>>;

// Inspection: every message renders readably in traces and CAF's to_string.
template <class F> typename F::result_type inspect(F& f, connection_accepted& x) {
  return f(caf::meta::type_name("connection_accepted"), x.id, x.peer);
}
template <class F> typename F::result_type inspect(F& f, bytes_received& x) {
  return f(caf::meta::type_name("bytes_received"), x.id, x.bytes);
}
template <class F> typename F::result_type inspect(F& f, connection_lost& x) {
  return f(caf::meta::type_name("connection_lost"), x.id, x.reason);
}
template <class F> typename F::result_type inspect(F& f, listen_on& x) {
  return f(caf::meta::type_name("listen_on"), x.endpoints, x.acceptor);
}
template <class F> typename F::result_type inspect(F& f, listen_on_result& x) {
  return f(caf::meta::type_name("listen_on_result"), x.bound);
}
template <class F> typename F::result_type inspect(F& f, attach_connection& x) {
  return f(caf::meta::type_name("attach_connection"), x.id, x.sink, x.max_output_bytes);
}
template <class F> typename F::result_type inspect(F& f, write_bytes& x) {
  return f(caf::meta::type_name("write_bytes"), x.id, x.data, x.once);
}
// Traces show how many connections a part goes to; which ones is in the write_many network
// event that follows (naming them twice would double a fan-out's cost in the trace). Messages
// never leave the process, so nothing loads the list.
template <class F> typename F::result_type inspect(F& f, fan_out_part& x) {
  std::string shown = std::to_string(x.recipients()) + " connections";
  auto keep = caf::meta::load_callback([]() -> caf::error { return caf::none; });
  return f(caf::meta::type_name("fan_out_part"), x.data, shown, keep);
}
template <class F> typename F::result_type inspect(F& f, fan_out_bytes& x) {
  return f(caf::meta::type_name("fan_out_bytes"), x.parts, x.once);
}
template <class F> typename F::result_type inspect(F& f, hold_fan_out& x) {
  return f(caf::meta::type_name("hold_fan_out"), x.id);
}
template <class F> typename F::result_type inspect(F& f, release_fan_out& x) {
  return f(caf::meta::type_name("release_fan_out"), x.id);
}
template <class F> typename F::result_type inspect(F& f, set_reading& x) {
  return f(caf::meta::type_name("set_reading"), x.id, x.enabled);
}
template <class F> typename F::result_type inspect(F& f, close_connection& x) {
  return f(caf::meta::type_name("close_connection"), x.id, x.discard_pending);
}
template <class F> typename F::result_type inspect(F& f, stop_transport&) {
  return f(caf::meta::type_name("stop_transport"));
}
template <class F> typename F::result_type inspect(F& f, stop_transport_result&) {
  return f(caf::meta::type_name("stop_transport_result"));
}

} // namespace parley::net
