// Fuzz target: the scenario file parser (sim/scenario_parse; docs/scenarios.md), without running
// the scenario. docs/fuzzing.md. Asserts:
//  - it either returns a scenario or prints one message "fuzz.scn:LINE: why" naming a line of
//    the input, and throws nothing;
//  - a parsed scenario is consistent: every step and expectation names a declared client (or
//    is a fault), client labels are unique and not "fault", durations are not negative, an
//    expectation's window is not empty, `order` has at least two lines, `flood` a count.
#include <algorithm>
#include <sstream>

#include "fuzz/fuzz_check.hpp"
#include "sim/scenario_parse.hpp"

using namespace parley::sim::scenario_file;

namespace {

void check_parsed(const scenario& sc) {
  FUZZ_CHECK(sc.irc.size() == sc.clients.size());
  for (const auto& c : sc.clients) {
    FUZZ_CHECK(c != "fault" && !c.empty());
    FUZZ_CHECK(std::count(sc.clients.begin(), sc.clients.end(), c) == 1);
  }
  for (const auto& st : sc.steps) {
    FUZZ_CHECK(st.who == timed_step::none || st.who < sc.clients.size());
    FUZZ_CHECK(st.t.count() >= 0 && st.duration.count() >= 0 && !st.verb.empty());
  }
  for (const auto& e : sc.expects) {
    FUZZ_CHECK(e.who < sc.clients.size());
    FUZZ_CHECK(!e.after || !e.before || *e.after <= *e.before);
    FUZZ_CHECK(e.kind != expect_kind::order || e.patterns.size() >= 2);
    bool needs_pattern = e.kind != expect_kind::closed && e.kind != expect_kind::refused;
    FUZZ_CHECK(!needs_pattern || !e.patterns.empty());
  }
  if (sc.run)
    FUZZ_CHECK(sc.run->count() >= 0);
  const auto& net = sc.network;
  FUZZ_CHECK(net.min_latency.count() >= 0 && net.min_latency <= net.max_latency);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text{parley::fuzz::as_text(data, size)};
  std::istringstream in{text};
  std::ostringstream messages;
  auto sc = parse_scenario(in, "fuzz.scn", messages);
  auto said = messages.str();
  if (sc) {
    FUZZ_CHECK(said.empty());
    check_parsed(*sc);
    return 0;
  }
  FUZZ_CHECK(said.rfind("fuzz.scn:", 0) == 0 && said.back() == '\n');
  auto line = std::stoul(said.substr(9));
  FUZZ_CHECK(line >= 1 && line <= 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  return 0;
}
