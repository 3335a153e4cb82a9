// The simulated network (see network.hpp).
#include "sim/network.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <utility>

#include "caf/all.hpp"

#include "trace/traced_self.hpp"
#include "util/invariant.hpp"

namespace parley::sim {


network_options unkind_network_options(prng rng, network_options base) {
  using namespace std::chrono_literals;
  base.nagle = rng.chance(800);
  // "Sometimes at once, often a little later": chunks arriving meanwhile merge into one read.
  base.read_at_once_per_mille = rng.between(100, 600);
  const vtime read_delays[] = {500us, 2ms, 5ms};
  base.max_read_delay = read_delays[rng.below(3)];
  const vtime ticks[] = {0ms, 0ms, 1ms, 1ms, 10ms, 10ms, 100ms};
  base.arrival_tick = ticks[rng.below(7)];
  return base;
}

network::network(agenda& events, prng rng, network_options opts, std::function<vtime()> now)
  : events_(events), rng_(rng), address_rng_(rng.fork()), opts_(opts), now_(std::move(now)) {}

network::link* network::find(net::connection_id id) {
  auto i = links_.find(id);
  if (i == links_.end())
    return nullptr;
  PARLEY_INVARIANT(i->second.id == id, "a link knows its own connection id");
  return &i->second;
}

// Bytes that reached the server's socket buffer are read now, or a read is scheduled, unless
// the server cannot take them yet (not attached, paused); none wait once it has closed. Checked
// wherever bytes arrive or reading may start again (O(1)).
void network::check_reading(const link& l) const {
  PARLEY_INVARIANT(l.held.empty() || !l.server_closed,
                   "no input waits for a server that closed the connection");
  PARLEY_INVARIANT(l.held.empty() || !l.attached || !l.server_reading || l.read_scheduled,
                   "input the server can read is read or has a read scheduled");
}

// A client write that Nagle's algorithm holds back leaves with the acknowledgement of what is
// on its way; without one coming it would never leave.
void network::check_nagle(const link& l) const {
  PARLEY_INVARIANT(l.nagle_buffer.empty() || l.segments_to_server > 0 || l.ack_pending,
                   "a write Nagle holds back has an acknowledgement coming");
}

// What a stalled client has not read is counted byte for byte as taking room in its kernel
// buffer (release_unacked), and a reading client has nothing left unread.
void network::check_client_buffer(const link& l) const {
  PARLEY_INVARIANT(l.kernel_buffered == l.unread.size(),
                   "kernel_buffered counts the bytes the client has not read");
  PARLEY_INVARIANT(!l.client_reading || l.unread.empty(), "a reading client has read everything");
}

const client_view& network::view(net::connection_id id) const {
  auto i = links_.find(id);
  if (i == links_.end())
    throw std::logic_error("no simulated connection " + std::to_string(id));
  return i->second.view;
}

vtime network::latency() {
  auto lo = static_cast<std::uint64_t>(opts_.min_latency.count());
  auto hi = static_cast<std::uint64_t>(std::max(opts_.max_latency, opts_.min_latency).count());
  return vtime{static_cast<vtime::rep>(rng_.between(lo, hi))};
}

std::vector<std::string> network::listen(net::acceptor_actor acceptor,
                                         const std::vector<std::string>& eps) {
  for (const auto& ep : eps)
    acceptors_.emplace_back(ep, acceptor);
  listening_ = true;
  return eps;
}

// --- Client to server ---

std::vector<std::string> network::split(std::string bytes) {
  std::vector<std::string> out;
  if (bytes.size() > 1 && rng_.chance(opts_.split_bytewise_per_mille)) {
    for (char c : bytes)
      out.emplace_back(1, c);
  } else if (bytes.size() > 1 && rng_.chance(opts_.split_random_per_mille)) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      auto len = static_cast<std::size_t>(rng_.between(1, bytes.size() - pos));
      out.push_back(bytes.substr(pos, len));
      pos += len;
    }
  } else {
    out.push_back(std::move(bytes));
  }
  return out;
}

net::connection_id network::connect(const std::string& endpoint) {
  auto id = next_id_++;
  auto [fresh, added] = links_.emplace(id, link{});
  PARLEY_INVARIANT(added, "connection ids are never reused");
  fresh->second.id = id;
  events_.at(arrival_at_server(now_() + latency()), [this, id, endpoint] {
    const net::acceptor_actor* acceptor = nullptr;
    for (const auto& [ep, a] : acceptors_)
      if (!acceptor && (endpoint.empty() || ep == endpoint))
        acceptor = &a;
    auto& l = links_.at(id);
    if (l.view.closed_by_client)
      return;
    bool refused_by_fault = listening_ && rng_.chance(opts_.refuse_per_mille);
    if (!listening_ || refused_by_fault || !acceptor) {
      faults_ += refused_by_fault ? 1 : 0;
      if (refused_by_fault && tracer_)
        tracer_->fault("refuse", "conn/" + std::to_string(id));
      l.view.refused = true;
      return;
    }
    l.view.accepted = true;
    auto peer = next_peer(id);
    l.view.peer = peer;
    if (tracer_)
      tracer_->network("accept", id, "\"peer\":" + trace::json_string(peer));
    caf::anon_send(*acceptor, net::connection_accepted{id, peer});
    if (tracer_)
      tracer_->handling_done();
  });
  return id;
}

// The peer text the TCP transport would give (net/tcp_transport.cpp: address, ':', port).
std::string network::next_peer(net::connection_id id) {
  if (opts_.client_addresses == 0)
    return "sim:" + std::to_string(id);
  auto k = address_rng_.below(opts_.client_addresses);
  auto port = std::to_string(32768 + id % 28000);
  if (k % 2 == 1)
    return "2001:db8::" + std::to_string(k / 2 + 1) + ":" + port;
  auto n = k / 2; // 192.0.2.1 ... 192.0.2.254, then 198.51.100.x, then 203.0.113.x, then 10.x.y.z
  static const char* const nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};
  if (n < 3 * 254)
    return nets[n / 254] + std::to_string(n % 254 + 1) + ":" + port;
  n -= 3 * 254;
  return "10." + std::to_string(n / 65536 % 256) + "." + std::to_string(n / 256 % 256) + "." +
         std::to_string(n % 256) + ":" + port;
}

void network::client_send(net::connection_id id, std::string bytes) {
  auto* l = find(id);
  if (!l || l->view.closed_by_client || l->half_closed || l->view.refused || bytes.empty())
    return;
  if (opts_.nagle && (l->segments_to_server > 0 || l->ack_pending)) {
    l->nagle_buffer += bytes; // a busy sender: it leaves with the next segment
    check_nagle(*l);
    return;
  }
  send_segment(*l, std::move(bytes));
}

// One segment towards the server, cut into chunks that arrive in order.
void network::send_segment(link& l, std::string bytes) {
  for (auto& chunk : split(std::move(bytes))) {
    auto t = arrival_at_server(std::max(now_() + latency(), l.last_to_server));
    l.last_to_server = t;
    ++l.segments_to_server;
    events_.at(t, [this, id = l.id, epoch = l.epoch, c = std::move(chunk)]() mutable {
      auto* l = find(id);
      if (!l || l->epoch != epoch)
        return;
      segment_arrived(*l);
      arrive_at_server(id, std::move(c));
    });
  }
}

// With Nagle, the last segment's arrival sends an acknowledgement back; when it reaches the
// client, what the client wrote meanwhile leaves as one segment.
void network::segment_arrived(link& l) {
  // (a reset zeroes the count, and the segments of the epoch before never arrive)
  PARLEY_INVARIANT(l.segments_to_server > 0, "an arriving segment was counted on its way");
  l.segments_to_server -= std::min<std::uint64_t>(l.segments_to_server, 1);
  if (!opts_.nagle || l.segments_to_server > 0 || l.ack_pending) {
    check_nagle(l);
    return;
  }
  l.ack_pending = true;
  events_.at(now_() + latency(), [this, id = l.id, epoch = l.epoch] {
    auto* l = find(id);
    if (!l || l->epoch != epoch)
      return;
    l->ack_pending = false;
    flush_nagle(*l);
    check_nagle(*l);
  });
}

void network::flush_nagle(link& l) {
  if (!l.nagle_buffer.empty())
    send_segment(l, std::exchange(l.nagle_buffer, std::string{}));
}

// Rounds a client-to-server arrival up to the coarse tick (never earlier, so order is kept).
vtime network::arrival_at_server(vtime t) const {
  auto tick = opts_.arrival_tick.count();
  if (tick <= 0)
    return t;
  return vtime{(t.count() + tick - 1) / tick * tick};
}

// How long after bytes land in an empty socket buffer the server reads it. No draw when reads
// are always at once, so that the default options keep today's runs exactly.
vtime network::read_delay() {
  if (opts_.read_at_once_per_mille >= 1000 || opts_.max_read_delay.count() <= 0 ||
      rng_.chance(opts_.read_at_once_per_mille))
    return vtime{0};
  auto max = static_cast<std::uint64_t>(opts_.max_read_delay.count());
  return vtime{static_cast<vtime::rep>(rng_.between(1, max))};
}

void network::arrive_at_server(net::connection_id id, std::string chunk) {
  auto& l = links_.at(id);
  if (l.server_closed || !l.view.accepted)
    return;
  l.held.push_back(std::move(chunk));
  if (l.read_scheduled || !l.attached || !l.server_reading) {
    check_reading(l);
    return; // merges into the coming read, or waits for attach / reading to resume
  }
  if (opts_.max_read_delay.count() <= 0) {
    deliver_to_server(l); // the default: one read per chunk, at once
  } else {
    // Even a read "at once" comes after everything else arriving at this instant (a coarse
    // tick lands several chunks together), as the server cannot read between them.
    schedule_read(l, read_delay());
  }
  check_reading(l);
}

void network::schedule_read(link& l, vtime delay) {
  l.read_scheduled = true;
  events_.at(now_() + delay, [this, id = l.id, seq = l.read_seq] {
    auto* l = find(id);
    if (!l || !l->read_scheduled || l->read_seq != seq)
      return;
    l->read_scheduled = false; // paused or closed meanwhile: what is buffered stays held
    deliver_to_server(*l);
    check_reading(*l);
  });
}

void network::deliver_to_server(link& l) {
  if (!l.attached || !l.server_reading || l.server_closed)
    return;
  l.read_scheduled = false; // this read takes everything; a scheduled one has nothing left
  ++l.read_seq;
  // Everything held arrives as one read, as a real socket buffer would hand it over.
  std::string bytes;
  for (auto& c : l.held)
    bytes += c;
  l.held.clear();
  if (bytes.empty())
    return;
  count_read(l, bytes);
  if (tracer_)
    tracer_->network("read", l.id, "\"bytes\":" + std::to_string(bytes.size()));
  caf::anon_send(l.sink, net::bytes_received{l.id, std::move(bytes)});
  if (tracer_)
    tracer_->handling_done();
}

// Counts a read, and whether it carried two or more lines that began and ended in it.
void network::count_read(link& l, const std::string& bytes) {
  ++server_reads_;
  auto feeds = static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  auto complete = feeds - (l.at_line_start || feeds == 0 ? 0 : 1);
  lines_read_ += complete;
  if (complete >= 2) {
    ++multi_line_reads_;
    lines_in_multi_line_reads_ += complete;
  }
  l.at_line_start = bytes.back() == '\n';
}

void network::lose_at_server(net::connection_id id) {
  auto& l = links_.at(id);
  if (l.server_closed || !l.view.accepted)
    return;
  if (!l.attached) {
    l.lost_pending = true;
    return;
  }
  if (l.read_scheduled) // the end of the stream comes after the bytes before it
    deliver_to_server(l);
  l.server_closed = true;
  l.held.clear();
  if (tracer_)
    tracer_->network("lost", id, "");
  caf::anon_send(l.sink, net::connection_lost{id, "connection lost"});
  if (tracer_)
    tracer_->handling_done();
}

void network::client_close(net::connection_id id) {
  auto* l = find(id);
  if (!l || l->view.closed_by_client)
    return;
  flush_nagle(*l); // the close follows the bytes written before it
  l->view.closed_by_client = true;
  l->view.closed_at = now_();
  auto t = arrival_at_server(std::max(now_() + latency(), l->last_to_server));
  l->last_to_server = t;
  events_.at(t, [this, id] { lose_at_server(id); });
}

void network::client_half_close(net::connection_id id) {
  auto* l = find(id);
  if (!l || l->view.closed_by_client || l->half_closed)
    return;
  l->half_closed = true;
  ++faults_;
  if (tracer_)
    tracer_->fault("half-close", "conn/" + std::to_string(id));
  flush_nagle(*l);
  auto t = arrival_at_server(std::max(now_() + latency(), l->last_to_server));
  l->last_to_server = t;
  events_.at(t, [this, id] { lose_at_server(id); });
}

void network::client_reset(net::connection_id id) {
  auto* l = find(id);
  if (!l || l->view.closed_by_client)
    return;
  ++faults_;
  if (tracer_)
    tracer_->fault("reset", "conn/" + std::to_string(id));
  l->view.closed_by_client = true;
  l->view.closed_at = now_();
  ++l->epoch; // what is in flight either way is lost
  l->in_flight = 0;
  l->segments_to_server = 0;
  l->ack_pending = false;
  l->nagle_buffer.clear();
  events_.at(arrival_at_server(now_() + latency()), [this, id] { lose_at_server(id); });
}

void network::client_set_reading(net::connection_id id, bool reading) {
  auto* l = find(id);
  if (!l || l->client_reading == reading)
    return;
  l->client_reading = reading;
  if (tracer_)
    tracer_->fault(reading ? "resume-reading" : "stall", "conn/" + std::to_string(id));
  if (!reading)
    return;
  l->view.inbox += l->unread;
  l->view.arrivals.emplace_back(l->view.inbox.size(), now_());
  l->unread.clear();
  l->kernel_buffered = 0;
  check_client_buffer(*l);
  release_unacked(*l);
}

// --- Server to client ---

void network::attach(net::connection_id id, net::sink_actor sink, std::uint64_t max_output_bytes) {
  auto* l = find(id);
  if (!l)
    return;
  l->sink = std::move(sink);
  l->attached = true;
  l->max_output_bytes = max_output_bytes;
  if (l->lost_pending) {
    lose_at_server(id);
    PARLEY_INVARIANT(l->server_closed, "a loss before the attach is reported at the attach");
    return;
  }
  deliver_to_server(*l);
  check_reading(*l);
}

void network::server_write(net::connection_id id, const shared_text& data, std::uint64_t once) {
  auto* l = find(id);
  if (!l || l->server_closed || l->discard || data.size() == 0 || l->gate.seen_once(once))
    return;
  if (tracer_)
    tracer_->network("write", id, "\"bytes\":" + std::to_string(data.size()));
  queue_write(*l, data);
}

void network::server_fan_out(const net::fan_out_bytes& x) {
  for (const auto& part : x.parts) {
    auto first = part.first_recipient();
    if (part.data.size() == 0 || first == 0)
      continue;
    if (tracer_)
      tracer_->network("write_many", first,
                       trace::conns_json(*part.ids, part.except) + ",\"bytes\":" +
                         std::to_string(part.data.size()));
    part.for_each_recipient([&](net::connection_id id) {
      auto* l = find(id);
      if (!l || l->server_closed || l->discard)
        return;
      if (l->gate.holding()) {
        ++fan_outs_held_;
        hold(*l, part.data, x.once);
      } else if (!l->gate.seen_once(x.once))
        queue_write(*l, part.data);
    });
  }
}

// Like the TCP transport: a fan-out for a connection on hold waits, counted against its bound.
void network::hold(link& l, const shared_text& data, std::uint64_t once) {
  l.gate.hold(data, once);
  if (l.max_output_bytes != 0 && l.gate.held_bytes() + l.unacked > l.max_output_bytes)
    overflow(l);
}

// Queues what a hold kept back, behind what was written before.
void network::unhold(link& l) {
  for (const auto& data : l.gate.take_held())
    if (!l.server_closed && !l.discard)
      queue_write(l, data);
}

void network::server_hold_fan_out(net::connection_id id) {
  if (auto* l = find(id))
    l->gate.add_hold();
}

void network::server_release_fan_out(net::connection_id id) {
  auto* l = find(id);
  if (l && l->gate.release())
    unhold(*l);
}

// A slow reader: dropped with what it had queued, as the TCP transport does.
void network::overflow(link& l) {
  auto id = l.id;
  l.gate.drop_held();
  server_close(id, true);
  if (l.attached)
    caf::anon_send(l.sink, net::connection_lost{id, net::output_overflow_reason});
}

// Queues `data` towards the client; a connection whose unflushed output would pass its bound is
// dropped with what it had queued, as the TCP transport does with a slow reader.
void network::queue_write(link& l, const shared_text& data) {
  PARLEY_INVARIANT(!l.server_closed && !l.discard,
                   "nothing is written to a connection after the server closed it");
  auto n = static_cast<std::uint64_t>(data.size());
  if (l.max_output_bytes != 0 && l.unacked + n > l.max_output_bytes) {
    overflow(l);
    return;
  }
  auto t = std::max(now_() + latency(), l.last_to_client);
  l.last_to_client = t;
  // Like a kernel socket buffer: what fits is flushed at once, the rest waits for room.
  l.in_flight += n;
  l.unacked += n;
  release_unacked(l);
  max_unflushed_ = std::max(max_unflushed_, l.unacked);
  events_.at(t, [this, id = l.id, epoch = l.epoch, data] {
    auto* l = find(id);
    if (l && l->epoch == epoch)
      arrive_at_client(*l, data.str());
  });
}

void network::release_unacked(link& l) {
  auto used = l.in_flight - std::min(l.in_flight, l.unacked) + l.kernel_buffered;
  auto room = opts_.socket_buffer_bytes - std::min(opts_.socket_buffer_bytes, used);
  auto n = std::min(room, l.unacked);
  l.unacked -= n;
}

void network::arrive_at_client(link& l, std::string bytes) {
  auto n = static_cast<std::uint64_t>(bytes.size());
  // (a reset zeroes in_flight, and the writes of the epoch before never arrive)
  PARLEY_INVARIANT(l.in_flight >= n, "in_flight counts every byte still on its way to the client");
  l.in_flight -= std::min(l.in_flight, n);
  if (l.discard || l.view.closed_by_client)
    return;
  if (l.client_reading) {
    l.view.inbox += bytes;
    l.view.arrivals.emplace_back(l.view.inbox.size(), now_());
  } else {
    l.kernel_buffered += n; // a stalled reader: it stays in the kernel, taking room
    l.unread += bytes;
  }
  check_client_buffer(l);
  release_unacked(l);
}

void network::server_set_reading(net::connection_id id, bool enabled) {
  auto* l = find(id);
  if (!l)
    return;
  l->server_reading = enabled;
  deliver_to_server(*l);
  check_reading(*l);
}

void network::server_close(net::connection_id id, bool discard_pending) {
  auto* l = find(id);
  if (!l || l->server_closed)
    return;
  if (!discard_pending) { // held fan-outs go out before the close (a close mid-join)
    l->gate.release_all();
    unhold(*l);
    if (l->server_closed)
      return; // dropped as a slow reader instead
  }
  l->server_closed = true;
  l->held.clear();
  if (tracer_)
    tracer_->network("close", id, discard_pending ? "\"discarded\":true" : "");
  vtime t;
  if (discard_pending) {
    l->discard = true;
    t = now_() + latency();
  } else {
    t = std::max(now_() + latency(), l->last_to_client);
  }
  l->last_to_client = t;
  events_.at(t, [this, id] {
    auto& l = links_.at(id);
    if (!l.view.closed_by_client) {
      l.view.closed_by_server = true;
      l.view.closed_at = now_();
    }
  });
}

void network::stop() {
  listening_ = false;
  for (auto& [id, l] : links_)
    if (l.view.accepted && !l.server_closed)
      server_close(id, false);
}

std::uint64_t network::unflushed_bytes() const {
  std::uint64_t n = 0;
  for (const auto& [id, l] : links_)
    n += l.unacked;
  return n;
}

// --- The transport actor: the same messages as the TCP transport ---

namespace {

using transport_self = trace::self<net::transport_actor>;

net::transport_actor::behavior_type sim_transport(transport_self self, network* net,
                                                  trace::tracer* tracer) {
  trace::attach(self, tracer, "transport");
  return {
    [net](net::listen_on& x) { return net::listen_on_result{net->listen(x.acceptor, x.endpoints)}; },
    [net](net::attach_connection& x) { net->attach(x.id, x.sink, x.max_output_bytes); },
    [net](net::write_bytes& x) { net->server_write(x.id, x.data, x.once); },
    [net](net::fan_out_bytes& x) { net->server_fan_out(x); },
    [net](net::hold_fan_out& x) { net->server_hold_fan_out(x.id); },
    [net](net::release_fan_out& x) { net->server_release_fan_out(x.id); },
    [net](net::set_reading& x) { net->server_set_reading(x.id, x.enabled); },
    [net](net::close_connection& x) { net->server_close(x.id, x.discard_pending); },
    [self, net](net::stop_transport&) {
      net->stop();
      self->quit();
      return net::stop_transport_result{};
    },
  };
}

} // namespace

net::transport_actor spawn_sim_transport(caf::actor_system& sys, network* net,
                                        trace::tracer* tracer) {
  net->set_tracer(tracer);
  return sys.spawn(sim_transport, net, tracer);
}

} // namespace parley::sim
