// Scheduling strategies of the simulated world: which ready actor handles its next message, and
// when. Today's seeded uniform shuffle and plain FIFO stay; on top of them come virtual time for
// actor messages (a seeded delay per mailbox step, so that the chain of messages one input causes
// takes time and other inputs and timers interleave with it) and PCT (probabilistic concurrency
// testing, as Microsoft Coyote does for actor programs: random distinct priorities, the highest
// runnable actor runs, and at a few seed-chosen steps the actor about to run drops below all
// others). A swarm run lets the seed choose the strategy. See docs/simulation.md, "The run loop".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/agenda.hpp"
#include "sim/prng.hpp"

namespace parley::sim {

enum class schedule_strategy {
  fifo,      ///< ready actors in the order they became ready (scripted tests)
  uniform,   ///< a uniformly random ready actor; messages take no virtual time (the default)
  delay,     ///< uniform among actors whose drawn message delay has passed
  pct,       ///< the highest-priority ready actor; priorities change at seed-chosen steps
  pct_delay, ///< PCT among actors whose drawn message delay has passed
};

/// "fifo", "uniform", "delay", "pct", "pct-delay".
std::string strategy_name(schedule_strategy s);

/// The strategy called `name`; nothing for an unknown name (and for "swarm", which is not one).
std::optional<schedule_strategy> parse_strategy(const std::string& name);

/// What `--strategy` accepts: every strategy's name and "swarm".
const std::vector<std::string>& strategy_choices();

/// The strategy a swarm run with this seed uses: uniform, delay, pct or pct-delay (the two with
/// delays twice as often as the others), drawn from a stream of its own so that the run's other
/// draws are the same whatever is chosen.
schedule_strategy swarm_strategy(std::uint64_t seed);

/// "swarm" resolves to swarm_strategy(seed); any other name to its strategy (nothing if unknown).
std::optional<schedule_strategy> resolve_strategy(const std::string& name, std::uint64_t seed);

inline bool uses_delays(schedule_strategy s) {
  return s == schedule_strategy::delay || s == schedule_strategy::pct_delay;
}
inline bool uses_priorities(schedule_strategy s) {
  return s == schedule_strategy::pct || s == schedule_strategy::pct_delay;
}

/// How long an actor waits before its next mailbox step, drawn per run from the seed and then
/// per step. An actor whose mailbox was empty waits an *arrival* delay (the message's time in
/// transit): often zero, mostly microseconds, sometimes milliseconds, long enough that client
/// inputs, packets and timers overtake the chain of messages in flight. An actor that still has
/// messages after a step waits a *backlog* delay, much shorter, so that a busy actor (the
/// transport handles a share of every message) keeps up with its load.
struct message_delays {
  std::uint64_t zero_per_mille = 300; ///< arrivals that wait not at all
  vtime short_max{std::chrono::microseconds{200}};
  std::uint64_t long_per_mille = 30;  ///< arrivals that wait up to long_max
  vtime long_max{std::chrono::milliseconds{20}};
  vtime backlog_max{std::chrono::microseconds{5}};
  /// Actors that are slow (chosen when first seen): every arrival waits up to long_max.
  std::uint64_t slow_per_mille = 0;

  /// A profile for one run: the spread varies per seed (swarm testing of the timing).
  static message_delays draw_profile(prng& rng);
  vtime arrival(prng& rng, bool slow_actor) const;
  vtime long_delay(prng& rng) const;
  vtime backlog(prng& rng) const;
};

/// PCT's priorities (Burckhardt et al., "A randomized scheduler with probabilistic guarantees
/// of finding bugs", 2010, as Coyote applies it to actors). Each actor gets a random priority
/// when first seen; the change points are steps at which the actor about to run is lowered
/// below every other, each later change point slightly above the earlier ones, as in the paper.
class pct_priorities {
public:
  /// `depth` change points among steps `first`..`horizon`, log-uniformly spread so that short
  /// runs (a few thousand steps) get some as well as long ones (hundreds of thousands).
  pct_priorities(prng rng, std::size_t depth, std::uint64_t first, std::uint64_t horizon);

  /// The priority of the actor with this id, drawn when it is first seen.
  std::uint64_t of(std::uint64_t actor_id);

  /// Called before each step with the step's number and the actor about to run; true when the
  /// step is a change point and the actor's priority was lowered (the caller picks again).
  bool change_point(std::uint64_t step, std::uint64_t actor_id);

  const std::vector<std::uint64_t>& change_points() const { return change_points_; }

private:
  prng rng_;
  std::vector<std::uint64_t> by_id_; ///< 0: not seen yet; indexed by actor id (ids are small)
  std::vector<std::uint64_t> change_points_; ///< ascending
  std::size_t next_change_ = 0;
};

} // namespace parley::sim
