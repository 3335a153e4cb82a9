// The main of every planted-bug binary `mutant_<name>` (tests/mutants/CMakeLists.txt): the same
// simulated runs as `parley sim`, against a server with one planted bug. It takes the options
// `parley sim` prints in its replay commands, so a printed command replays here with
// `parley sim` replaced by the binary:
//
//   mutant_<name> --seed N [--clients K] [--duration D] [--activity A] [--irc-share S]
//                 [--faults LIST]
//     one run: its VIOLATION lines, then `seed N: ok` (exit 0) or `seed N: FAILED` (exit 1),
//     then its message and delivery counts and event hash (as `parley sim` prints them)
//   mutant_<name> --seeds A..B [same options] [--keep-going]
//     seeds A to B in order, stopping at the first failing seed (all of them with
//     --keep-going): each failure's violations, `seed N: FAILED` and `replay with: ...`, then
//     a summary line with the seeds run, the seeds failed and the wall time; exit 1 if any
//     seed failed.
//   mutant_<name> --scenario FILE
//     replays a scenario file (docs/scenarios.md) against the mutant, as `parley sim
//     --scenario` does: shows that a bug is live where a hand-written scenario looks for it.
//
// An unknown option is an error (exit 2): a replay command with an option this main does not
// know yet must fail loudly rather than replay a different run.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace {

using parley::sim::run_options;

struct command {
  run_options run;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seeds;
  bool keep_going = false;
  std::string scenario;
};

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= value.size();) {
    auto comma = std::min(value.find(',', pos), value.size());
    out.push_back(value.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(const std::string& value) {
  auto dots = value.find("..");
  if (dots == std::string::npos)
    return std::nullopt;
  auto first = std::stoull(value.substr(0, dots)), last = std::stoull(value.substr(dots + 2));
  if (last < first)
    return std::nullopt;
  return std::make_pair(first, last);
}

// Applies one `--key value` option; false if the key is unknown or the value is bad.
bool apply_option(command& c, const std::string& key, const std::string& value) {
  auto& o = c.run;
  if (key == "--seed") {
    o.seed = std::stoull(value);
  } else if (key == "--seeds") {
    c.seeds = parse_range(value);
    return c.seeds.has_value();
  } else if (key == "--scenario") {
    c.scenario = value;
  } else if (key == "--clients") {
    o.clients = std::stoul(value);
  } else if (key == "--duration") {
    auto d = parley::sim::parse_duration(value);
    if (!d)
      return false;
    o.duration = *d;
  } else if (key == "--activity") {
    o.activity_per_minute = std::stod(value);
  } else if (key == "--irc-share") {
    o.irc_share = std::stod(value);
  } else if (key == "--faults") {
    o.faults = split_list(value); // as `parley sim` passes it on ("none" included)
  } else if (key == "--strategy") {
    o.strategy = value; // run_simulation rejects an unknown name
  } else {
    return false;
  }
  return true;
}

std::optional<command> parse(int argc, char** argv) {
  command c;
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i];
    if (key == "--keep-going") {
      c.keep_going = true;
      continue;
    }
    if (i + 1 >= argc || !apply_option(c, key, argv[i + 1])) {
      std::fprintf(stderr, "%s: unknown option or bad value: %s\n", argv[0], key.c_str());
      return std::nullopt;
    }
    ++i;
  }
  return c;
}

bool run_and_report(const run_options& o, bool with_replay) {
  auto r = parley::sim::run_simulation(o);
  for (const auto& v : r.violations)
    std::printf("VIOLATION %s\n", v.c_str());
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(o.seed), r.ok() ? "ok" : "FAILED");
  if (!with_replay) // compare with `parley sim`'s summary: a planted bug changes the run
    std::printf("  %llu actor messages, %llu lines delivered, event hash %s\n",
                static_cast<unsigned long long>(r.messages),
                static_cast<unsigned long long>(r.deliveries),
                parley::sim::hex(r.event_hash).c_str());
  if (!r.ok() && with_replay)
    std::printf("replay with: %s\n", parley::sim::replay_command(o).c_str());
  std::fflush(stdout);
  return r.ok();
}

int run_range(command c) {
  auto start = std::chrono::steady_clock::now(); // reporting only; never steers a run
  std::uint64_t ran = 0, failed = 0;
  for (auto seed = c.seeds->first; seed <= c.seeds->second; ++seed) {
    c.run.seed = seed;
    ++ran;
    if (run_and_report(c.run, true))
      continue;
    ++failed;
    if (!c.keep_going)
      break;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu seeds run, %llu failed, %.2fs wall\n", static_cast<unsigned long long>(ran),
              static_cast<unsigned long long>(failed), secs);
  return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto c = parse(argc, argv);
    if (!c)
      return 2;
    if (!c->scenario.empty())
      return parley::sim::replay_scenario_file(c->scenario, 0, std::cout, {}) ? 0 : 1;
    if (c->seeds)
      return run_range(*c);
    return run_and_report(c->run, false) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 2;
  }
}
