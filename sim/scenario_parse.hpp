// Scenario files, the parser half (see scenario.hpp and docs/scenarios.md): the text of a
// scenario file into a `scenario` value, or "PATH:LINE: message" for the first bad line. Kept
// apart from the runner (sim/scenario.cpp) so that it can be fuzzed without the actors
// (fuzz/fuzz_scenario.cpp): it needs no actor system, only the option types it fills in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/agenda.hpp"
#include "actors/listener.hpp"
#include "sim/network.hpp"
#include "sim/strategy.hpp"

namespace parley::sim::scenario_file {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An exact line ("...") or a regular expression (~"...", std::regex_search).
struct pattern {
  std::string text;
  bool is_regex = false;
  std::regex re;

  bool matches(const std::string& line) const {
    return is_regex ? std::regex_search(line, re) : line == text;
  }
};

/// One `at` directive: a client action (`who` is a client index) or a fault (`who` is none).
struct timed_step {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  vtime t{0};
  int line = 0;
  std::size_t who = none;
  std::string verb;              ///< client action or fault kind
  std::vector<std::string> args; ///< texts, names, "on"/"off"
  vtime duration{0};             ///< slow-auth
  std::size_t repeat = 0;        ///< flood: how many lines
};

enum class expect_kind { seen, unseen, closed, refused, order, count };

struct expectation {
  int line = 0;
  std::string source; ///< the directive as written, for failure reports
  expect_kind kind = expect_kind::seen;
  std::size_t who = 0;
  std::vector<pattern> patterns;
  std::optional<vtime> after;
  std::optional<vtime> before;
  std::size_t count = 0;
  bool closed_in_time = false; ///< `closed before T`: observed by an event at T
};

struct scenario {
  std::string path;
  std::optional<std::uint64_t> seed;
  // What `option`, `network` and `strategy` set; the runner puts them into its world_options.
  listener_config listener;
  network_options network;
  schedule_strategy strategy = schedule_strategy::uniform;
  std::vector<std::pair<std::string, std::string>> accounts;
  std::vector<std::string> clients;
  std::vector<bool> irc;               ///< per client: declared with irc-client
  std::vector<timed_step> steps;
  std::vector<expectation> expects;
  std::optional<vtime> run;
  std::set<std::string> fault_kinds; ///< for the oracle: which faults the scenario injects
  bool dump = false;                 ///< print every client's transcript (for authoring)

  std::size_t client_index(const std::string& label) const {
    for (std::size_t i = 0; i < clients.size(); ++i)
      if (clients[i] == label)
        return i;
    throw parse_error("unknown client '" + label + "' (declare it with: client " + label +
                      " or irc-client " + label + ")");
  }
};


/// Parses a scenario from `in`, naming it `path` in messages; on an error prints
/// "PATH:LINE: message" to `out` and returns nothing.
std::optional<scenario> parse_scenario(std::istream& in, const std::string& path,
                                       std::ostream& out);

/// Parses the file at `path` (as parse_scenario), or says that it cannot be opened.
std::optional<scenario> parse_scenario_file(const std::string& path, std::ostream& out);

} // namespace parley::sim::scenario_file
