// Per-address connection limits, one object per listener (line protocol, IRC), kept in the
// listener actor's state: how many connections one client address may hold at once on that
// listener (ngIRCd's MaxConnectionsIP, InspIRCd's
// <connect localmax>), and how fast it may open new ones (a connect-rate limit, as InspIRCd's
// connectban module or UnrealIRCd's connect-flood). docs/security.md has the defaults and why.
//
// The rate limit is a leaky bucket kept as one time per address (GCRA): every admitted
// connection moves the address's time `connect_interval` forward (from now, if it lies in the
// past), and a connection is refused while the time lies more than (burst - 1) intervals ahead
// of the clock. So an address may open `connect_burst` connections at once, then one per
// interval; an address whose time has passed is as good as new, and is forgotten.
//
// Deterministic: time comes from the caller (the listener's actor clock, virtual time in the
// simulator), and the state is kept in ordered containers keyed by address text. Bounded:
// an address is kept only while it has open connections or its time lies ahead; at most
// `max_tracked_addresses` of the latter are kept (the ones whose time passes first are
// forgotten first), so an attacker with many addresses cannot grow it without limit.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "caf/actor_clock.hpp"
#include "caf/timespan.hpp"

namespace parley {

struct address_limits_config {
  /// Connections one address may hold at once, per listener (0: no limit).
  std::uint32_t max_connections = 5;
  /// Connections an address may open in a burst ... (0: no rate limit)
  std::uint32_t connect_burst = 10;
  /// ... and then one per this interval (0: no rate limit).
  std::uint32_t connect_interval_ms = 6000;
  /// Addresses remembered only for their rate (no open connection) at most; beyond it the ones
  /// whose time passes first are forgotten first.
  std::size_t max_tracked_addresses = 65536;

  bool limits_count() const { return max_connections > 0; }
  bool limits_rate() const { return connect_burst > 0 && connect_interval_ms > 0; }
  bool any() const { return limits_count() || limits_rate(); }
};

/// Both limits off: what the simulator uses while all its clients share one address, and what
/// the live test fixture uses for its many loopback clients (each sets it explicitly).
inline address_limits_config no_address_limits() {
  address_limits_config c;
  c.max_connections = 0;
  c.connect_burst = 0;
  c.connect_interval_ms = 0;
  return c;
}

/// The address part of a transport's peer text: "127.0.0.1:50432" -> "127.0.0.1",
/// "::1:50432" and "[::1]:50432" -> "::1", an IPv4-mapped "::ffff:192.0.2.1:50432" ->
/// "192.0.2.1" (a dual-stack socket's view of an IPv4 client). Text without a port is kept.
std::string peer_address(std::string_view peer);

/// Whether an address may connect now; `why` is the refusal, for the client, when it may not.
struct address_verdict {
  bool admitted = true;
  std::string why;
};

/// What an address_limits keeps, for tests and docs/security.md.
struct address_limits_stats {
  std::size_t tracked = 0;     ///< addresses kept (open connections or a time ahead)
  std::size_t idle = 0;        ///< of those, without open connections (forgotten when due)
  std::uint64_t refused_count = 0; ///< connections refused: too many at once
  std::uint64_t refused_rate = 0;  ///< connections refused: too fast
  std::uint64_t forgotten_early = 0; ///< addresses dropped at the cap before their time passed
};

/// One per listener, in the listener actor's own state (actors/listener.cpp), which calls it as
/// it accepts and loses connections. Not thread-safe, and need not be: no other actor sees it
/// (actors share no mutable state), so the line and IRC ports each count on their own.
class address_limits {
public:
  using time_point = caf::actor_clock::time_point;

  explicit address_limits(address_limits_config cfg);

  const address_limits_config& config() const { return cfg_; }

  /// A connection from `address` was accepted by a transport at `now`: admit it (and count it
  /// until release) or refuse it.
  address_verdict admit(const std::string& address, time_point now);

  /// An admitted connection from `address` has ended.
  void release(const std::string& address, time_point now);

  address_limits_stats stats() const;

private:
  struct entry {
    std::uint32_t open = 0;
    time_point due{}; ///< the bucket's time: the address is as good as new once it has passed
  };
  using entries = std::map<std::string, entry, std::less<>>;

  void forget_due(time_point now);
  void make_idle(entries::iterator i, time_point now);
  void forget_beyond_cap();
  void insert_idle(entries::iterator i);

  address_limits_config cfg_;
  caf::timespan interval_;
  entries entries_;
  /// The addresses without open connections whose time lies ahead, by that time (ties by
  /// address text): what forget_due and the cap walk, in an order no pointer decides.
  std::set<std::pair<time_point, std::string_view>> idle_;
  address_limits_stats counts_;
};

} // namespace parley
