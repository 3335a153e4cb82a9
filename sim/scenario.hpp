// Scenario files: small scripted simulations (accounts, clients, timed actions, faults at virtual
// times, and expectations about what each client receives), replayed on the simulator with the
// unchanged server actors. The format is documented in docs/scenarios.md; tests/scenarios/ holds
// the suite that ctest replays.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace parley::sim {

/// Parses and runs the scenario in `path` with `seed` (0: the file's own seed, or 1). Prints
/// each failed expectation or invariant, with the virtual time, to `out`. True if all held.
/// With `trace_path`, the run's trace (docs/traces.md) is written there.
bool replay_scenario_file(const std::string& path, std::uint64_t seed, std::ostream& out,
                          const std::string& trace_path = {});

} // namespace parley::sim
