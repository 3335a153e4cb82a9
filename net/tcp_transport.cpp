// The TCP transport: a CAF io broker (see tcp_transport.hpp). Connection ids are the broker's
// own connection handle ids, so no lookup table is needed between the two.
#include "net/tcp_transport.hpp"

#include <sys/socket.h>

#include <map>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "trace/traced.hpp"

namespace parley::net {

namespace {

struct link {
  sink_actor sink;      ///< null until the connection actor attaches
  std::string early;    ///< bytes that arrived before it did
  bool closing = false; ///< the server asked to close: the peer's close is not news
  bool paused = false;  ///< the connection asked not to be read (back-pressure)
  bool halted = false;  ///< CAF was told to stop reading the socket (see on_data)
  bool big_reads = false; ///< reads use read_chunk_bytes (a client that sends a lot)
};

/// Every connection starts reading in chunks this small: CAF keeps a read buffer of the chunk
/// size per connection, and most clients never send more than a line at a time.
constexpr std::size_t first_read_chunk_bytes = 512;

/// Self-message: trigger reading again after a resume (see on_set_reading); `after_ms` is
/// this try's delay.
struct retrigger_read {
  connection_id id;
  std::uint32_t after_ms;
};
template <class F> typename F::result_type inspect(F& f, retrigger_read& x) {
  return f(caf::meta::type_name("retrigger_read"), x.id, x.after_ms);
}

/// An idle connection's write buffer keeps at most this much capacity (release_idle_buffer).
constexpr std::size_t keep_write_buffer_bytes = 4096;

/// A resume triggers reading now and again after 2, 4, ... up to this many milliseconds.
constexpr std::uint32_t max_retrigger_ms = 1024;

struct tcp_state {
  tcp_transport_config cfg;
  std::map<int64_t, acceptor_actor> acceptors; ///< by listening socket (accept handle id)
  std::map<connection_id, link> links;
};

using tcp_self = caf::stateful_actor<tcp_state, trace::traced<caf::io::broker>>*;

caf::io::connection_handle handle_of(connection_id id) {
  return caf::io::connection_handle::from_int(static_cast<int64_t>(id));
}

connection_id id_of(caf::io::connection_handle hdl) { return static_cast<connection_id>(hdl.id()); }

// "host:port" -> bound "host:port"; port 0 picks a free one.
caf::expected<std::string> open_endpoint(tcp_self self, const std::string& endpoint,
                                         const acceptor_actor& acceptor) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos)
    return caf::make_error(caf::sec::invalid_argument, "expected HOST:PORT, got " + endpoint);
  auto host = endpoint.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(endpoint.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return caf::make_error(caf::sec::invalid_argument, "bad port in " + endpoint);
  auto res = self->add_tcp_doorman(static_cast<uint16_t>(port), host.c_str(), true);
  if (!res)
    return caf::make_error(caf::sec::cannot_open_port, "cannot listen on " + endpoint);
  self->state.acceptors.emplace(res->first.id(), acceptor);
  return host + ":" + std::to_string(res->second);
}

void on_new_connection(tcp_self self, const caf::io::new_connection_msg& msg) {
  auto hdl = msg.handle;
  // Idle clients keep a small read buffer; one whose reads fill it gets the full size (on_data).
  self->configure_read(hdl, caf::io::receive_policy::at_most(first_read_chunk_bytes));
  self->ack_writes(hdl, true);
  auto id = id_of(hdl);
  self->state.links.emplace(id, link{});
  auto peer = self->remote_addr(hdl) + ":" + std::to_string(self->remote_port(hdl));
  auto* t = self->state.cfg.tracer;
  if (t)
    t->network("accept", id, "\"peer\":" + trace::json_string(peer));
  auto a = self->state.acceptors.find(msg.source.id());
  if (a == self->state.acceptors.end()) {
    self->close(hdl);
    self->state.links.erase(id);
    return;
  }
  self->send(a->second, connection_accepted{id, std::move(peer)});
}

void on_data(tcp_self self, caf::io::new_data_msg& msg) {
  auto i = self->state.links.find(id_of(msg.handle));
  if (i == self->state.links.end())
    return;
  auto& l = i->second;
  if (!l.big_reads && msg.buf.size() >= first_read_chunk_bytes &&
      self->state.cfg.read_chunk_bytes > first_read_chunk_bytes) {
    l.big_reads = true;
    self->configure_read(msg.handle,
                         caf::io::receive_policy::at_most(self->state.cfg.read_chunk_bytes));
  }
  if (!l.sink) {
    l.early.append(msg.buf.begin(), msg.buf.end());
    return;
  }
  if (auto* t = self->state.cfg.tracer)
    t->network("read", i->first, "\"bytes\":" + std::to_string(msg.buf.size()));
  self->send(l.sink, bytes_received{i->first, std::string(msg.buf.begin(), msg.buf.end())});
  // A pause takes effect here, inside a read of this socket (see on_set_reading).
  if (l.paused && !l.halted) {
    l.halted = true;
    self->halt(msg.handle);
  }
}

void on_attach(tcp_self self, attach_connection& x) {
  auto i = self->state.links.find(x.id);
  if (i == self->state.links.end()) {
    // The peer left before its actor attached: tell the actor so it ends.
    self->send(x.sink, connection_lost{x.id, "connection lost"});
    return;
  }
  i->second.sink = std::move(x.sink);
  if (!i->second.early.empty()) {
    self->send(i->second.sink, bytes_received{x.id, std::move(i->second.early)});
    i->second.early.clear();
  }
}

void on_write(tcp_self self, write_bytes& x) {
  auto i = self->state.links.find(x.id);
  if (i == self->state.links.end() || i->second.closing)
    return;
  auto hdl = handle_of(x.id);
  auto& buf = self->wr_buf(hdl);
  const auto& s = x.data.str();
  buf.insert(buf.end(), s.begin(), s.end());
  self->flush(hdl);
  if (auto* t = self->state.cfg.tracer)
    t->network("write", x.id, "\"bytes\":" + std::to_string(s.size()));
}

void on_peer_closed(tcp_self self, connection_id id) {
  auto i = self->state.links.find(id);
  if (i == self->state.links.end())
    return;
  if (!i->second.closing && i->second.sink) {
    if (auto* t = self->state.cfg.tracer)
      t->network("lost", id, "");
    self->send(i->second.sink, connection_lost{id, "connection lost"});
  }
  self->state.links.erase(i);
}

// CAF's two write buffers per connection keep the capacity of their largest burst (a JOIN
// into a big channel, a flood of chat): thousands of idle connections would each hold what
// they once needed. Once everything is sent, the idle one is given back; the two swap roles at
// each flush, so both shrink over time.
void release_idle_buffer(tcp_self self, caf::io::connection_handle hdl) {
  auto& buf = self->wr_buf(hdl);
  if (buf.empty() && buf.capacity() > keep_write_buffer_bytes)
    std::vector<char>{}.swap(buf);
}

// CAF 0.17 queues a halt's or trigger's change to the event loop and applies it at the end of
// the loop's iteration; a trigger only works once an earlier halt has been applied. Two traps:
// - a trigger and then a halt in the same iteration cancel out, but leave the socket marked
//   as read: every later trigger is ignored and the connection is never read again (seen under
//   load with 64 lines in flight per client);
// - a halt and then a trigger in the same iteration leave the socket unread.
// So a pause only marks the connection, and the halt happens inside the next read of that
// socket (on_data), where reading is on and no trigger can be pending; and a resume triggers
// now and again in later iterations (2, 4, ... ms), until one of them lands after the halt was
// applied (a trigger on a socket that is being read does nothing).
void on_set_reading(tcp_self self, connection_id id, bool enabled) {
  auto i = self->state.links.find(id);
  if (i == self->state.links.end() || i->second.paused == !enabled)
    return;
  auto& l = i->second;
  l.paused = !enabled;
  if (!enabled || !l.halted)
    return; // not halted yet: reading simply goes on
  l.halted = false;
  self->trigger(handle_of(id));
  self->delayed_send(self, std::chrono::milliseconds{2}, retrigger_read{id, 2});
}

void on_close(tcp_self self, close_connection& x) {
  auto i = self->state.links.find(x.id);
  if (i == self->state.links.end())
    return;
  auto hdl = handle_of(x.id);
  if (x.discard_pending) {
    // A slow reader: CAF's close() waits for queued bytes to leave, which a peer that does not
    // read never allows. In CAF 0.17 a connection handle's id is its socket, so reset it.
    self->wr_buf(hdl).clear();
    auto fd = static_cast<int>(hdl.id());
    linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::shutdown(fd, SHUT_RDWR);
  }
  self->close(hdl);
  self->state.links.erase(i);
  if (auto* t = self->state.cfg.tracer)
    t->network("close", x.id, x.discard_pending ? "\"discarded\":true" : "");
}

} // namespace

caf::behavior tcp_behavior(tcp_self self, tcp_transport_config cfg) {
  self->state.cfg = cfg;
  trace::attach(self, cfg.tracer, "transport");
  // Raw reads are recorded by size only; their text follows in the connection's bytes_received.
  self->set_render_filter([](std::string& r) { trace::redact_arguments(r, "new_data_msg", "<bytes>"); });
  return {
    [self](listen_on& x) -> caf::result<listen_on_result> {
      listen_on_result r;
      for (const auto& ep : x.endpoints) {
        auto bound = open_endpoint(self, ep, x.acceptor);
        if (!bound)
          return std::move(bound.error());
        r.bound.push_back(std::move(*bound));
      }
      return r;
    },
    [self](const caf::io::new_connection_msg& msg) { on_new_connection(self, msg); },
    [self](caf::io::new_data_msg& msg) { on_data(self, msg); },
    [self](const caf::io::data_transferred_msg& msg) {
      auto i = self->state.links.find(id_of(msg.handle));
      if (i != self->state.links.end() && i->second.sink)
        self->send(i->second.sink, bytes_flushed{i->first, msg.written});
      if (msg.remaining == 0)
        release_idle_buffer(self, msg.handle);
    },
    [self](const caf::io::connection_closed_msg& msg) { on_peer_closed(self, id_of(msg.handle)); },
    [](const caf::io::acceptor_closed_msg&) {},
    [self](attach_connection& x) { on_attach(self, x); },
    [self](write_bytes& x) { on_write(self, x); },
    [self](set_reading& x) { on_set_reading(self, x.id, x.enabled); },
    [self](retrigger_read& x) {
      auto i = self->state.links.find(x.id);
      if (i == self->state.links.end() || i->second.paused || i->second.halted)
        return; // paused again: the next resume starts its own tries
      self->trigger(handle_of(x.id));
      if (x.after_ms < max_retrigger_ms)
        self->delayed_send(self, std::chrono::milliseconds{x.after_ms * 2},
                           retrigger_read{x.id, x.after_ms * 2});
    },
    [self](close_connection& x) { on_close(self, x); },
    [self](stop_transport&) -> stop_transport_result {
      self->close_all();
      self->state.links.clear();
      self->quit();
      return {};
    },
  };
}

transport_actor spawn_tcp_transport(caf::actor_system& sys, tcp_transport_config cfg) {
  auto broker = sys.middleman().spawn_broker(tcp_behavior, cfg);
  return caf::actor_cast<transport_actor>(broker);
}

} // namespace parley::net
