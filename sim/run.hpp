// One simulated run from a seed: a server, K random clients, the seed's faults, the oracle, and
// a hash of the full event log (every message every actor handled, with its virtual time), so
// two runs of one seed can be compared. `parley sim` and the tests call this.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/agenda.hpp"
#include "sim/world.hpp"
#include "actors/room.hpp"

namespace parley::sim {

struct session;

struct run_options {
  std::uint64_t seed = 1;
  std::size_t clients = 10;
  vtime duration = std::chrono::seconds{60}; ///< of client activity; then faults stop
  std::vector<std::string> faults;           ///< empty: the seed chooses (swarm)
  /// How busy each client is: actions per minute on average (a chat line, a /who, a join...).
  /// The default, 6, is a lively chat; the test suite uses 120 to pack more into each seed.
  double activity_per_minute = 6;
  /// The share of random clients that speak IRC (each client draws it from its own stream);
  /// above 0 the server opens its IRC listener too. 0 gives the line-protocol-only runs.
  double irc_share = 0; ///< share of random clients that speak IRC (0: line protocol only)
  bool keep_event_log = false;               ///< keep the lines, to show a divergence
  room_factory make_room;                    ///< empty: the real room
  std::string trace_path;                    ///< write the run's trace here (docs/traces.md)
  /// Tests: sees every session's transcript once the run is over (before the oracle's verdict
  /// is returned); empty: nothing.
  std::function<void(const std::vector<session*>&)> inspect;
};

struct run_result {
  std::vector<std::string> violations;
  std::string fault_summary;
  std::uint64_t messages = 0;   ///< actor messages handled
  std::uint64_t deliveries = 0; ///< lines received by clients
  std::uint64_t chat_lines = 0; ///< chat lines sent by clients
  std::uint64_t sessions = 0;
  std::uint64_t irc_clients = 0; ///< random clients that speak IRC
  std::uint64_t faults = 0;     ///< network faults injected
  vtime virtual_time{0};
  double wall_seconds = 0;
  std::uint64_t event_hash = 0;
  std::vector<std::string> event_log; ///< only with keep_event_log

  bool ok() const { return violations.empty(); }
};

run_result run_simulation(const run_options& opts);

/// The `parley sim` command that replays `opts`.
std::string replay_command(const run_options& opts);

/// The violation that reports a run loop stopped by its livelock guard (world::livelock).
std::string livelock_violation(const world::livelock_report& r);

/// A hex rendering of an event-log hash.
std::string hex(std::uint64_t h);

} // namespace parley::sim
