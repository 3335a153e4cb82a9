// A simulated world: one actor system on CAF's test coordinator, the unchanged server actors over
// the simulated network, and a run loop that owns time. The loop runs ready actors in an order
// the seed and the scheduling strategy choose (sim/strategy.hpp); when none is ready (or, with
// message delays, none is due yet) it jumps virtual time to the next timer, network event or
// delayed actor.
// Nothing here reads a wall clock, starts a thread or draws unseeded randomness.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/server.hpp"
#include "sim/network.hpp"
#include "sim/strategy.hpp"

namespace parley::sim {

/// The simulated listening addresses: the line protocol's and (when the server has one) IRC's.
inline const std::string line_endpoint = "sim:7777";
inline const std::string irc_endpoint = "sim:6667";

/// The simulated server's configuration: the server's defaults, except that the per-address
/// limits are off, since every simulated client comes from one address ("sim") unless
/// network_options::client_addresses gives them several. A world that wants the limits sets
/// server.per_address itself (parley sim --addresses does: the defaults).
inline server_config simulated_server_config() {
  server_config c;
  c.per_address = no_address_limits();
  return c;
}

struct world_options {
  std::uint64_t seed = 1;
  /// Its auth store and hasher are replaced by simulated ones.
  server_config server = simulated_server_config();
  network_options network;
  /// uniform (the default, as before strategies existed), fifo (plain FIFO order of ready
  /// actors), delay, pct or pct-delay. Scenario files and scripted tests keep the default.
  schedule_strategy strategy = schedule_strategy::uniform;
  /// PCT: how many change points, spread log-uniformly over steps pct_first..pct_horizon.
  std::size_t pct_depth = 12;
  std::uint64_t pct_first = 100;
  std::uint64_t pct_horizon = 1'000'000;
};

/// Observes every step of the run loop (the event log and the invariant oracle hook in here).
struct world_observer {
  virtual ~world_observer() = default;
  /// An actor is about to handle one message. `receiver` is the actor's id.
  virtual void on_step(vtime, std::uint64_t receiver, const std::string& content) {
    (void) receiver;
    (void) content;
  }
};

class world {
public:
  explicit world(world_options opts);
  ~world();

  world(const world&) = delete;
  world& operator=(const world&) = delete;

  vtime now() const;
  agenda& events() { return events_; }
  network& net() { return *net_; }
  prng& rng() { return rng_; }
  const server_handles& server() const { return server_; }
  caf::actor_system& system();
  store::memory_accounts& accounts() { return *accounts_; }

  /// Runs one step: one actor message, or a jump to the next due event. False when idle.
  bool step();

  schedule_strategy strategy() const { return strategy_; }

  /// Runs until nothing is left to do or virtual time would pass `until`.
  void run_until(vtime until);

  /// Runs until `done()` holds (true) or virtual time passes `limit` (false).
  bool run_until(const std::function<bool()>& done, vtime limit);

  /// Graceful shutdown of the server, then every actor ends. Called by the destructor too.
  void shutdown();

  std::uint64_t messages_processed() const { return messages_; }

  /// Actors that keep handling messages at one virtual instant without ever letting time move
  /// on (a timer re-armed with a zero delay, two actors answering each other forever) would
  /// hang the run. After this many messages at one instant the loop stops for good: step()
  /// and run_until() return false, and livelock() says when and what.
  static constexpr std::uint64_t livelock_limit = 1'000'000;
  struct livelock_report {
    vtime at;
    std::string sample; ///< the message about to be handled when the loop stopped
  };
  const std::optional<livelock_report>& livelock() const { return livelock_; }
  void set_observer(world_observer* obs) { observer_ = obs; }

private:
  /// step(), but no jump past `limit`: false when idle or the next thing is later than it.
  bool step_until(std::optional<vtime> limit);
  bool step_uniform(std::optional<vtime> limit); ///< uniform and fifo, exactly as before
  bool step_explore(std::optional<vtime> limit); ///< delay, pct and pct-delay
  /// Reports the message about to be handled; false (and the livelock is recorded) when the
  /// livelock guard trips instead.
  bool before_message(bool stuck);

  struct impl;
  std::unique_ptr<impl> impl_;
  agenda events_;
  prng rng_;
  std::shared_ptr<store::memory_accounts> accounts_;
  std::unique_ptr<network> net_;
  server_handles server_;
  schedule_strategy strategy_;
  bool stopped_ = false;
  std::uint64_t messages_ = 0;
  world_observer* observer_ = nullptr;
  vtime instant_{-1};                ///< the virtual time of the messages being counted
  std::uint64_t instant_messages_ = 0;
  std::optional<livelock_report> livelock_;
};

} // namespace parley::sim
