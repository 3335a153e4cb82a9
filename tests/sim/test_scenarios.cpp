// Replays every scenario file in tests/scenarios/ (one section per file, so a failure names
// the file and shows the replay's report), and checks how the replayer reports bad files and
// failed expectations. The format is documented in docs/scenarios.md.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <malloc.h>
#include <fstream>
#include <sstream>

#include "sim/scenario.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator{PARLEY_SCENARIO_DIR})
    if (e.is_regular_file() && e.path().extension() == ".scn")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Writes `text` to a scratch scenario file and replays it.
bool replay_text(const std::string& text, std::string& report) {
  auto path = fs::temp_directory_path() / "parley_scenario_test.scn";
  std::ofstream{path} << text;
  std::ostringstream out;
  bool ok = parley::sim::replay_scenario_file(path.string(), 0, out);
  report = out.str();
  fs::remove(path);
  return ok;
}

const char* hello_scenario = R"(# two clients
client alice
client bob
at 0s alice connect
at 0s bob connect
at 100ms alice login alice pw-alice-ok
at 200ms bob login bob pw-bob-ok
at 1s alice send hello
)";

} // namespace

TEST_CASE("every scenario in tests/scenarios holds") {
  auto files = scenario_files();
  REQUIRE(files.size() >= 20);
  for (const auto& f : files) {
    SECTION(fs::path{f}.filename().string()) {
      std::ostringstream out;
      bool ok = parley::sim::replay_scenario_file(f, 0, out);
      INFO(out.str());
      CHECK(ok);
    }
  }
}

TEST_CASE("a scenario's expectations decide its outcome") {
  std::string report;
  CHECK(replay_text(std::string{hello_scenario} + "expect bob \"[lobby] alice: hello\" before 2s\n",
                    report));
  CHECK(report.find(": ok (1 expectations, seed 1,") != std::string::npos);
  CHECK_FALSE(replay_text(std::string{hello_scenario} + "expect-not bob ~\"alice: hel+o$\"\n", report));
  CHECK(report.find("FAIL line 9: expect-not bob ~\"alice: hel+o$\": received at ") != std::string::npos);
  CHECK_FALSE(replay_text(std::string{hello_scenario} + "expect alice \"[lobby] alice: hello\"\n", report));
  CHECK(report.find("not received (last lines:") != std::string::npos);
  CHECK(report.find(": FAILED (1 expectations") != std::string::npos);
}

TEST_CASE("a malformed scenario is refused with its file and line") {
  std::string report;
  CHECK_FALSE(replay_text("client alice\n\nat soon alice connect\n", report));
  CHECK(report.find("parley_scenario_test.scn:3: bad duration 'soon'") != std::string::npos);
  CHECK_FALSE(replay_text("client alice\nat 1s bob connect\n", report));
  CHECK(report.find(":2: unknown client 'bob'") != std::string::npos);
  CHECK_FALSE(replay_text("client alice\nexpect alice \"unterminated\n", report));
  CHECK(report.find(":2: unterminated quoted string") != std::string::npos);
  CHECK_FALSE(replay_text("client alice\nat 0s alice connect\n", report));
  CHECK(report.find("no expectations") != std::string::npos);
  // Found by fuzz_scenario: a duration beyond what virtual time holds was converted anyway
  // (undefined behaviour); so were inf and nan.
  for (const char* d : {"1e300s", "300y", "inf", "nan", "1e12h"}) {
    CHECK_FALSE(replay_text(std::string{"client alice\nat "} + d + " alice connect\n", report));
    CHECK(report.find(std::string{":2: bad duration '"} + d + "'") != std::string::npos);
  }
}

// A server that runs for weeks must give back what each session and line used. A finished run
// of the simulator has stopped every actor, so the heap in use must be back where it was:
// a leak of even a few dozen bytes per chat line shows up here as hundreds of kilobytes.
// (A multi-target IRC command once kept itself alive through its own continuation.)
TEST_CASE("a finished simulated run leaves no memory behind, however many lines it carried") {
  std::string text = "option irc_flood_penalty_ms 0\nnetwork latency 1ms 1ms\nirc-client alice\nirc-client carol\n"
                     "at 0s alice connect\nat 0s carol connect\n"
                     "at 10ms alice send NICK alice\nat 10ms alice send USER alice 0 * :Alice\n"
                     "at 10ms carol send NICK carol\nat 10ms carol send USER carol 0 * :Carol\n"
                     "at 20ms alice send JOIN #lobby,#side\nat 30ms carol send JOIN #lobby\n";
  const int lines = 1000;
  for (int i = 0; i < lines; ++i)
    text += "at " + std::to_string(100 + i) + "ms alice send PRIVMSG #lobby,#side,carol :line " +
            std::to_string(i) + "\n";
  text += "expect carol count 1 \":alice!alice@parley PRIVMSG #lobby :line 999\"\n";
  std::string report;
  // Two warm-up runs: CAF and the standard library keep some memory for reuse once allocated.
  for (int warm = 0; warm < 2; ++warm)
    REQUIRE(replay_text(text, report));
  auto before = mallinfo2().uordblks;
  REQUIRE(replay_text(text, report));
  auto after = mallinfo2().uordblks;
  auto grown = after > before ? after - before : 0;
  INFO("heap in use grew by " << grown << " bytes over a run of " << lines << " lines");
  CHECK(grown < 32 * 1024);
}
