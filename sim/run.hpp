// One simulated run from a seed: a server, K random clients, the seed's faults, the oracle, and
// a hash of the full event log (every message every actor handled, with its virtual time), so
// two runs of one seed can be compared. `parley sim` and the tests call this.
#pragma once

#include <cstdint>
#include <map>
#include <functional>
#include <string>
#include <vector>

#include "sim/agenda.hpp"
#include "sim/coverage.hpp"
#include "sim/world.hpp"
#include "actors/room.hpp"

namespace parley::sim {

struct session;

struct run_options {
  std::uint64_t seed = 1;
  /// 16 clients in 5 rooms: several sessions per room, so that joins, talk and departures
  /// of different clients overlap (docs/simulation.md, Activity).
  std::size_t clients = 16;
  vtime duration = std::chrono::seconds{60}; ///< of client activity; then faults stop
  std::vector<std::string> faults;           ///< empty: the seed chooses (swarm)
  /// How busy each client is: actions per minute on average (a chat line, a /who, a join...).
  /// The default, 8, is a busy chat; the test suite uses 120 to pack more into each seed.
  double activity_per_minute = 8;
  /// The share of random clients that speak IRC (each client draws it from its own stream);
  /// above 0 the server opens its IRC listener too. 0 gives the line-protocol-only runs.
  double irc_share = 0; ///< share of random clients that speak IRC (0: line protocol only)
  /// 0: every client comes from one address and the server's per-address limits are off, as
  /// before they existed. N: clients connect from N seeded addresses (network_options::
  /// client_addresses) and the server has its per-address limits at their defaults.
  std::size_t addresses = 0;
  bool keep_event_log = false;               ///< keep the lines, to show a divergence
  room_factory make_room;                    ///< empty: the real room
  std::string trace_path;                    ///< write the run's trace here (docs/traces.md)
  bool coverage = false; ///< count what the run exercised (run_result::coverage)
  /// How the world schedules actors (sim/strategy.hpp): uniform, delay, pct, pct-delay, fifo,
  /// or swarm, where the seed chooses among uniform, delay, pct and pct-delay.
  std::string strategy = "swarm";
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
  std::uint64_t server_reads = 0;     ///< reads the network handed to connection actors
  std::uint64_t multi_line_reads = 0; ///< ... that carried two or more complete lines
  std::uint64_t lines_read = 0;       ///< complete lines in those reads ...
  std::uint64_t lines_in_multi_line_reads = 0; ///< ... and how many shared a read with another
  std::string strategy;         ///< the strategy the run used (what swarm chose)
  /// Fan-out parts that reached a connection on hold (a room's line racing a join's reply).
  std::uint64_t fan_outs_held = 0;
  /// Connections the per-address limits refused (run_options::addresses): too many at once
  /// from one address, and too many new ones in a short time.
  std::uint64_t refused_per_address_count = 0;
  std::uint64_t refused_per_address_rate = 0;
  vtime virtual_time{0};
  double wall_seconds = 0;
  std::uint64_t event_hash = 0;
  std::vector<std::string> event_log; ///< only with keep_event_log
  coverage::counts coverage;          ///< only with run_options::coverage
  /// How often each oracle rule checked something in this run (oracle_input::rule_checks).
  std::map<std::string, std::uint64_t> rule_checks;

  bool ok() const { return violations.empty(); }
};

/// Throws std::invalid_argument for an unknown opts.strategy.
run_result run_simulation(const run_options& opts);

/// The `parley sim` command that replays `opts`.
std::string replay_command(const run_options& opts);

/// The violation that reports a run loop stopped by its livelock guard (world::livelock).
std::string livelock_violation(const world::livelock_report& r);

/// A hex rendering of an event-log hash.
std::string hex(std::uint64_t h);

} // namespace parley::sim
