// Scheduling strategies: names, the swarm's choice, message delays and PCT priorities (see
// strategy.hpp).
#include "sim/strategy.hpp"

#include <algorithm>

namespace parley::sim {

namespace {

struct named_strategy {
  schedule_strategy value;
  const char* name;
};

constexpr named_strategy all_strategies[] = {
  {schedule_strategy::fifo, "fifo"},   {schedule_strategy::uniform, "uniform"},
  {schedule_strategy::delay, "delay"}, {schedule_strategy::pct, "pct"},
  {schedule_strategy::pct_delay, "pct-delay"},
};

vtime uniform_up_to(prng& rng, vtime max) {
  return max.count() <= 0 ? vtime{0}
                          : vtime{static_cast<vtime::rep>(
                              rng.below(static_cast<std::uint64_t>(max.count()) + 1))};
}

unsigned bit_length(std::uint64_t x) {
  unsigned bits = 0;
  while (x >>= 1)
    ++bits;
  return bits;
}

/// A step count in first..horizon whose bit length is uniform: as many between 1,000 and 2,000
/// as between 500,000 and 1,000,000 (integer arithmetic only, so every build draws the same).
std::uint64_t log_uniform_step(prng& rng, std::uint64_t first, std::uint64_t horizon) {
  auto lo_bits = bit_length(first), hi_bits = bit_length(horizon);
  auto low = std::uint64_t{1} << rng.between(lo_bits, hi_bits);
  return rng.between(std::max(low, first), std::min(horizon, low * 2 - 1));
}

} // namespace

std::string strategy_name(schedule_strategy s) {
  for (const auto& n : all_strategies)
    if (n.value == s)
      return n.name;
  return "?";
}

std::optional<schedule_strategy> parse_strategy(const std::string& name) {
  for (const auto& n : all_strategies)
    if (name == n.name)
      return n.value;
  return std::nullopt;
}

const std::vector<std::string>& strategy_choices() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& n : all_strategies)
      v.push_back(n.name);
    v.push_back("swarm");
    return v;
  }();
  return names;
}

schedule_strategy swarm_strategy(std::uint64_t seed) {
  // A stream of its own (not one forked from the run's generator), so that the choice changes
  // no other draw: a swarm seed that picks uniform is exactly the run `--strategy uniform` makes.
  prng rng{seed ^ 0x5c4ed01e57a7e9ull};
  rng.next();
  // The strategies with message delays weigh double: only they make the chain of messages one
  // input causes overlap with other inputs and timers (docs/simulation.md, "The run loop").
  static constexpr schedule_strategy choices[] = {
    schedule_strategy::uniform, schedule_strategy::delay,     schedule_strategy::delay,
    schedule_strategy::pct,     schedule_strategy::pct_delay, schedule_strategy::pct_delay};
  return choices[rng.below(6)];
}

std::optional<schedule_strategy> resolve_strategy(const std::string& name, std::uint64_t seed) {
  if (name == "swarm")
    return swarm_strategy(seed);
  return parse_strategy(name);
}

message_delays message_delays::draw_profile(prng& rng) {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  static constexpr std::uint64_t zero[] = {100, 300, 600};
  static const vtime short_max[] = {microseconds{20}, microseconds{200}, milliseconds{2}};
  static constexpr std::uint64_t long_pm[] = {0, 30, 100};
  static const vtime long_max[] = {milliseconds{20}, milliseconds{100}};
  static constexpr std::uint64_t slow_pm[] = {0, 100, 300};
  message_delays d;
  d.zero_per_mille = zero[rng.below(3)];
  d.short_max = short_max[rng.below(3)];
  d.long_per_mille = long_pm[rng.below(3)];
  d.long_max = long_max[rng.below(2)];
  d.backlog_max = vtime{rng.chance(500) ? 0 : 5000};
  d.slow_per_mille = slow_pm[rng.below(3)];
  return d;
}

vtime message_delays::arrival(prng& rng, bool slow_actor) const {
  if (slow_actor)
    return long_delay(rng);
  auto roll = rng.below(1000);
  if (roll < zero_per_mille)
    return vtime{0};
  if (roll < zero_per_mille + long_per_mille)
    return long_delay(rng);
  return uniform_up_to(rng, short_max);
}

vtime message_delays::long_delay(prng& rng) const {
  return uniform_up_to(rng, long_max);
}

vtime message_delays::backlog(prng& rng) const {
  return uniform_up_to(rng, backlog_max);
}

pct_priorities::pct_priorities(prng rng, std::size_t depth, std::uint64_t first,
                               std::uint64_t horizon)
  : rng_(rng) {
  first = std::max<std::uint64_t>(first, 1);
  horizon = std::max(horizon, first);
  for (std::size_t i = 0; i < depth; ++i)
    change_points_.push_back(log_uniform_step(rng_, first, horizon));
  std::sort(change_points_.begin(), change_points_.end());
}

std::uint64_t pct_priorities::of(std::uint64_t actor_id) {
  // Actor ids count up from 1 in each run; a vector indexed by id keeps lookups cheap.
  if (actor_id >= by_id_.size())
    by_id_.resize(std::max<std::size_t>(actor_id + 1, by_id_.size() * 2), 0);
  auto& p = by_id_[actor_id];
  if (p == 0) // far above every lowered priority (1..depth); collisions are broken by id
    p = rng_.next() | (std::uint64_t{1} << 62);
  return p;
}

bool pct_priorities::change_point(std::uint64_t step, std::uint64_t actor_id) {
  bool changed = false;
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= step) {
    if (change_points_[next_change_] == step && !changed) {
      of(actor_id);
      by_id_[actor_id] = next_change_ + 1; // below every initial priority
      changed = true;
    }
    ++next_change_;
  }
  return changed;
}

} // namespace parley::sim
