// Fuzz target: the whole server in the deterministic simulator (sim/run.*), under coverage
// guidance. docs/fuzzing.md, "The whole server". The input is an entropy tape (sim/prng.hpp):
// every random choice of the run (the swarm's strategy, faults and action weights, the
// network's unkindness, each client's actions, texts and think times, the scheduler's picks)
// is taken from the input's bytes first, in the order the run draws them, and from seeded
// streams once they are used up. The crash condition is the invariant oracle's verdict
// (sim/oracle.*): any violation aborts, after printing the first few.
//
// The load is the seed-range test's (10 clients, 60 s of virtual time, 120 actions a minute)
// with PARLEY_FUZZ_SIM_IRC_SHARE (default 0.5) of the clients on IRC; PARLEY_FUZZ_SIM_CLIENTS,
// PARLEY_FUZZ_SIM_SECONDS and PARLEY_FUZZ_SIM_ACTIVITY change it.
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "sim/prng.hpp"
#include "sim/run.hpp"

using namespace parley::sim;

namespace {

double setting(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

const run_options& load() {
  static const run_options opts = [] {
    run_options o;
    o.clients = static_cast<std::size_t>(setting("PARLEY_FUZZ_SIM_CLIENTS", 10));
    o.duration = std::chrono::seconds{static_cast<long>(setting("PARLEY_FUZZ_SIM_SECONDS", 60))};
    o.activity_per_minute = setting("PARLEY_FUZZ_SIM_ACTIVITY", 120);
    o.irc_share = setting("PARLEY_FUZZ_SIM_IRC_SHARE", 0.5);
    o.strategy = "swarm";
    return o;
  }();
  return opts;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto opts = load();
  std::uint64_t h = 1469598103934665603ull; // the streams after the tape: seeded by the input
  for (std::size_t i = 0; i < size; ++i)
    h = (h ^ data[i]) * 1099511628211ull;
  opts.seed = h;
  entropy_tape tape{data, size};
  installed_tape() = &tape;
  auto r = run_simulation(opts);
  installed_tape() = nullptr;
  if (std::getenv("PARLEY_FUZZ_SIM_VERBOSE"))
    std::fprintf(stderr, "run: strategy %s, %llu messages, %llu chat lines, %llu deliveries, %llu "
                 "sessions (%llu IRC clients), %llu faults, %zu violations\n",
                 r.strategy.c_str(), static_cast<unsigned long long>(r.messages),
                 static_cast<unsigned long long>(r.chat_lines),
                 static_cast<unsigned long long>(r.deliveries),
                 static_cast<unsigned long long>(r.sessions),
                 static_cast<unsigned long long>(r.irc_clients),
                 static_cast<unsigned long long>(r.faults), r.violations.size());
  if (!r.ok()) {
    std::size_t shown = 0;
    for (const auto& v : r.violations)
      if (shown++ < 5)
        std::fprintf(stderr, "VIOLATION %s\n", v.c_str());
    std::fprintf(stderr, "%zu violation(s); strategy %s, %zu tape bytes\n", r.violations.size(),
                 r.strategy.c_str(), size);
    FUZZ_CHECK(r.ok());
  }
  return 0;
}
