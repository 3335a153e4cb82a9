// The simulated network: an in-memory implementation of the transport messages of
// net/transport.hpp, driven by the simulator's agenda and seeded generator. Byte streams are
// cut into reads at seed-chosen points and delivered after seed-chosen latencies, in order per
// connection and direction. Faults: resets, refused connects, stalled readers (a client that
// stops reading, so the server's queue for it fills). The server's actors cannot tell it from TCP.
// Optionally (on in swarm runs, off by default) it is as unkind as TCP: a busy sender's writes
// coalesce (Nagle), the server's socket buffer merges what arrives before the server reads, and
// client input arrives on coarse ticks, so that reads carry several lines and land together.
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
  /// Nagle's algorithm with a busy sender: a client write made while earlier bytes of its
  /// connection are unacknowledged waits and leaves with the next ones as one segment, when the
  /// acknowledgement comes back (one latency after the last segment arrived).
  bool nagle = false;
  /// When the server reads bytes that arrived in an empty socket buffer: at once with this
  /// chance, otherwise a seeded delay of up to `max_read_delay` later. Whatever arrives in
  /// between (or at the same instant) is handed over in the same read. With `max_read_delay`
  /// 0, the default, each chunk is read the moment it arrives: one read per chunk, as before.
  std::uint64_t read_at_once_per_mille = 1000;
  vtime max_read_delay{0};
  /// Client-to-server arrivals (connects, bytes, closes) are rounded up to a multiple of this,
  /// so that input from several clients lands at the same virtual instant (0: no rounding).
  vtime arrival_tick{0};
  /// Where clients connect from. 0, the default: every client's peer is "sim:ID", one address
  /// ("sim") for all, as before this option existed (the server's per-address limits see one
  /// client). N > 0: each connection comes from one of N addresses, IPv4 (192.0.2.x,
  /// 198.51.100.x, ...) and IPv6 (2001:db8::x) alternately, drawn from a stream of its own, so
  /// the network's other draws are those of the same seed without it.
  std::uint64_t client_addresses = 0;
};

/// The network of a swarm run: today's cuts plus Nagle batching, merged reads and coarse
/// arrival ticks, at intensities drawn from `rng` (each seed gets its own mix).
network_options unkind_network_options(prng rng, network_options base = {});

/// What a client endpoint has seen.
struct client_view {
  std::string inbox;            ///< bytes delivered to and read by the client, in order
  std::vector<std::pair<std::size_t, vtime>> arrivals; ///< inbox size after each read, and when
  bool accepted = false;
  std::string peer;             ///< the peer text the server was given at the accept
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
  /// Reads handed to the server's connection actors (`bytes_received`).
  std::uint64_t server_reads() const { return server_reads_; }
  /// ... of which carried two or more complete lines (begun and `\n`-terminated in that read).
  std::uint64_t multi_line_reads() const { return multi_line_reads_; }
  /// Complete lines handed to the server, and how many of them shared their read with another.
  std::uint64_t lines_read() const { return lines_read_; }
  std::uint64_t lines_in_multi_line_reads() const { return lines_in_multi_line_reads_; }
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
    // Client to server, for Nagle and merged reads:
    std::uint64_t segments_to_server = 0; ///< sent by the client, not yet arrived (this epoch)
    bool ack_pending = false;  ///< all arrived; the acknowledgement is on its way back
    std::string nagle_buffer;  ///< written while the sender was busy, waiting for the ack
    bool read_scheduled = false; ///< the server will read its socket buffer (`held`) soon
    std::uint64_t read_seq = 0;  ///< tells a scheduled read from one made obsolete
    bool at_line_start = true;   ///< the last read to the server ended with a line feed
  };
  void check_reading(const link& l) const;
  void check_nagle(const link& l) const;
  void check_client_buffer(const link& l) const;
  void hold(link& l, const shared_text& data, std::uint64_t once);
  void overflow(link& l);
  void unhold(link& l);
  void queue_write(link& l, const shared_text& data);
  link* find(net::connection_id id);
  vtime latency();
  vtime arrival_at_server(vtime t) const;
  vtime read_delay();
  void send_segment(link& l, std::string bytes);
  void segment_arrived(link& l);
  void flush_nagle(link& l);
  void schedule_read(link& l, vtime delay);
  void count_read(link& l, const std::string& bytes);
  void arrive_at_server(net::connection_id id, std::string chunk);
  void deliver_to_server(link& l);
  void arrive_at_client(link& l, std::string bytes);
  void release_unacked(link& l);
  void lose_at_server(net::connection_id id);
  std::vector<std::string> split(std::string bytes);
  std::string next_peer(net::connection_id id);

  agenda& events_;
  prng rng_;
  prng address_rng_; ///< client addresses (network_options::client_addresses), its own stream
  network_options opts_;
  std::function<vtime()> now_;
  std::vector<std::pair<std::string, net::acceptor_actor>> acceptors_; ///< in listen order
  bool listening_ = false;
  net::connection_id next_id_ = 1;
  std::map<net::connection_id, link> links_;
  std::uint64_t faults_ = 0;
  std::uint64_t max_unflushed_ = 0;
  std::uint64_t server_reads_ = 0;
  std::uint64_t multi_line_reads_ = 0;
  std::uint64_t lines_read_ = 0;
  std::uint64_t lines_in_multi_line_reads_ = 0;
  std::uint64_t fan_outs_held_ = 0;
  trace::tracer* tracer_ = nullptr;
};

/// Spawns the simulated transport actor over `net` (which must outlive it).
net::transport_actor spawn_sim_transport(caf::actor_system& sys, network* net,
                                        trace::tracer* tracer = nullptr);

} // namespace parley::sim
