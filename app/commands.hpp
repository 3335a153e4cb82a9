// The subcommands of the `parley` program, each returning the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/options.hpp"

namespace parley::app {

int run_serve(const common_options& common, const serve_options& opts);

enum class user_action { add, del, list, passwd };
int run_user(const common_options& common, user_action action, const std::string& name);

struct sim_options {
  std::uint64_t seed = 0; ///< 0: 1, or a scenario file's own seed
  std::string seeds;       ///< "A..B": a swarm
  std::size_t clients = 16;      ///< run_options' default
  std::vector<std::string> faults; ///< empty: the seed chooses
  std::string duration = "60s";
  double activity = 8;           ///< run_options' default
  double irc_share = 0; ///< share of random clients that speak IRC
  std::size_t addresses = 0; ///< client addresses (0: one; the per-address limits off)
  unsigned jobs = 2;
  std::string scenario;
  bool check_determinism = false;
  std::string trace;       ///< write the run's trace here
  bool coverage = false;     ///< report what the runs exercised (sim/coverage.hpp)
  std::string coverage_json; ///< also write the report as JSON here
  std::string coverage_allow; ///< fail unless the unexercised are on this allow-list
  std::string strategy = "swarm"; ///< scheduling strategy (sim/strategy.hpp)
};

int run_sim(const sim_options& opts);

} // namespace parley::app
