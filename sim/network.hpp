// The simulated network: an in-memory implementation of the transport messages of
// net/transport.hpp, driven by the simulator's agenda and seeded generator. Byte streams are
// cut into reads at seed-chosen points and delivered after seed-chosen latencies, in order per
// connection and direction. Faults: resets, refused connects, stalled readers (a client that
// stops reading, so the server's queue for it fills). The server's actors cannot tell it from TCP.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "net/output_gate.hpp"
#include "net/transport.hpp"
#include "sim/agenda.hpp"
#include "sim/prng.hpp"

namespace parley::trace {
class tracer;
}

namespace parley::sim {

struct network_options {
  vtime min_latency = std::chrono::microseconds{50};
  vtime max_latency = std::chrono::milliseconds{5};
  /// How client bytes are cut into reads, in per mille: one byte at a time, random cuts,
  /// otherwise whole writes (several lines per read when a client writes them together).
  std::uint64_t split_bytewise_per_mille = 50;
  std::uint64_t split_random_per_mille = 300;
  /// What a stalled client's kernel absorbs before the server's writes stop being flushed.
  std::uint64_t socket_buffer_bytes = 64 * 1024;
  /// Connection attempts refused outright (fault), per mille.
  std::uint64_t refuse_per_mille = 0;
};

/// What a client endpoint has seen.
struct client_view {
  std::string inbox;            ///< bytes delivered to and read by the client, in order
  std::vector<std::pair<std::size_t, vtime>> arrivals; ///< inbox size after each read, and when
  bool accepted = false;
  bool refused = false;         ///< the connect failed (no listener, or an injected refusal)
  bool closed_by_server = false;
  bool closed_by_client = false;
  /// When the session ended as the client saw it: its own close or reset, or the server's
  /// close reaching it. The oracle's progress rules measure from here (e.g. a name is free
  /// again once its session has ended).
  std::optional<vtime> closed_at;
};

class network {
public:
  network(agenda& events, prng rng, network_options opts, std::function<vtime()> now);

  // --- The server side, called by the simulated transport actor ---
  std::vector<std::string> listen(net::acceptor_actor acceptor, const std::vector<std::string>& eps);
  void attach(net::connection_id id, net::sink_actor sink, std::uint64_t max_output_bytes);
  void server_write(net::connection_id id, const shared_text& data, std::uint64_t once = 0);
  void server_fan_out(const net::fan_out_bytes& x);
  void server_hold_fan_out(net::connection_id id);
  void server_release_fan_out(net::connection_id id);
  void server_set_reading(net::connection_id id, bool enabled);
  void server_close(net::connection_id id, bool discard_pending);
  void stop();

  // --- The client side, called by simulated clients ---
  /// Connects to `endpoint` ("" = the first one listened on).
  net::connection_id connect(const std::string& endpoint = {});
  void client_send(net::connection_id id, std::string bytes);
  void client_close(net::connection_id id); ///< orderly close, after the bytes in flight
  void client_half_close(net::connection_id id); ///< stops sending, still reads
  void client_reset(net::connection_id id); ///< abrupt: bytes in flight are lost
  void client_set_reading(net::connection_id id, bool reading);
  const client_view& view(net::connection_id id) const;

  /// Bytes written by the server but not yet flushed towards a client (summed over clients).
  std::uint64_t unflushed_bytes() const;
  /// The most that was ever unflushed towards one client.
  std::uint64_t max_unflushed_seen() const { return max_unflushed_; }
  std::uint64_t faults_injected() const { return faults_; }
  /// Fan-out parts that reached a connection while it was on hold (the join race happened).
  std::uint64_t fan_outs_held() const { return fan_outs_held_; }
  /// Records network events and the faults the network injects (null: none).
  void set_tracer(trace::tracer* t) { tracer_ = t; }
  network_options& options() { return opts_; }

private:
  struct link {
    net::connection_id id = 0;
    net::sink_actor sink;
    bool attached = false;
    bool server_reading = true;
    bool server_closed = false; ///< closed by the server, or reported lost to it
    bool lost_pending = false;  ///< the client left before the server attached
    std::deque<std::string> held; ///< arrived, waiting for attach or for reading to resume
    vtime last_to_server{0};
    vtime last_to_client{0};
    client_view view;
    bool client_reading = true;
    std::uint64_t kernel_buffered = 0; ///< delivered while the client is stalled
    std::string unread;                ///< ... and not yet read by it
    std::uint64_t unacked = 0;   ///< written by the server, not yet taken by the socket buffer
    std::uint64_t in_flight = 0; ///< written by the server, not yet arrived
    bool discard = false;              ///< the server closed, dropping what it had queued
    bool half_closed = false;          ///< the client stopped sending but still reads
    std::uint64_t epoch = 0;           ///< bumped by a reset: bytes in flight are lost
    std::uint64_t max_output_bytes = 0; ///< unflushed bytes that drop the connection (0: none)
    net::output_gate gate; ///< once ids written here, fan-outs held during a join
  };
  void hold(link& l, const shared_text& data, std::uint64_t once);
  void overflow(link& l);
  void unhold(link& l);
  void queue_write(link& l, const shared_text& data);
  link* find(net::connection_id id);
  vtime latency();
  void arrive_at_server(net::connection_id id, std::string chunk);
  void deliver_to_server(link& l);
  void arrive_at_client(link& l, std::string bytes);
  void release_unacked(link& l);
  void lose_at_server(net::connection_id id);
  std::vector<std::string> split(std::string bytes);

  agenda& events_;
  prng rng_;
  network_options opts_;
  std::function<vtime()> now_;
  std::vector<std::pair<std::string, net::acceptor_actor>> acceptors_; ///< in listen order
  bool listening_ = false;
  net::connection_id next_id_ = 1;
  std::map<net::connection_id, link> links_;
  std::uint64_t faults_ = 0;
  std::uint64_t max_unflushed_ = 0;
  std::uint64_t fan_outs_held_ = 0;
  trace::tracer* tracer_ = nullptr;
};

/// Spawns the simulated transport actor over `net` (which must outlive it).
net::transport_actor spawn_sim_transport(caf::actor_system& sys, network* net,
                                        trace::tracer* tracer = nullptr);

} // namespace parley::sim
