// The simulator as a whole: a fixed range of seeds keeps every invariant, runs are deterministic,
// and a deliberately broken room is caught by some seed, with a replay command that reproduces it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <optional>
#include <set>
#include <sys/wait.h>

#include "actors/address_limits.hpp"
#include "sim/client.hpp"
#include "sim/faults.hpp"
#include "sim/random_client.hpp"
#include "sim/run.hpp"
#include "tests/support/lossy_room.hpp"
#include "tests/support/run_command.hpp"

using namespace parley::sim;
using namespace std::chrono_literals;

namespace {
// The suite packs more into each seed than a lively chat: every client acts twice a second.
constexpr double busy = 120;
} // namespace

TEST_CASE("smoke: a random run") {
  run_options o;
  o.seed = 7;
  o.clients = 5;
  o.duration = 20s;
  o.activity_per_minute = 120;
  auto r = run_simulation(o);
  for (auto& v : r.violations)
    UNSCOPED_INFO(v);
  INFO("messages " << r.messages << " deliveries " << r.deliveries << " faults " << r.fault_summary);
  CHECK(r.ok());
  CHECK(r.deliveries > 100);
}

TEST_CASE("a fixed range of seeds keeps every invariant", "[sim]") {
  // 10 random clients for 60 virtual seconds each, faults chosen by each seed (swarm).
  std::size_t failed = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 10;
    o.duration = 60s;
    auto r = run_simulation(o);
    if (!r.ok()) {
      ++failed;
      UNSCOPED_INFO("seed " << seed << " (" << r.fault_summary << "): " << r.violations.front()
                            << "\n  replay with: " << replay_command(o));
    }
  }
  CHECK(failed == 0);
}

TEST_CASE("every fault kind on its own keeps the invariants", "[sim]") {
  for (const auto& kind : fault_kinds()) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      run_options o;
      o.activity_per_minute = busy;
      o.seed = seed;
      o.clients = 12;
      o.duration = 60s;
      o.faults = {kind};
      auto r = run_simulation(o);
      INFO(replay_command(o));
      CHECK(r.fault_summary == kind);
      CHECK(r.violations == std::vector<std::string>{});
    }
  }
}

TEST_CASE("the same seed gives the same event log", "[sim][determinism]") {
  for (std::uint64_t seed : {3, 17, 101, 4242, 99991}) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 8;
    o.duration = 30s;
    o.keep_event_log = true;
    auto a = run_simulation(o);
    auto b = run_simulation(o);
    REQUIRE(a.event_log.size() > 1000);
    std::size_t i = 0;
    while (i < a.event_log.size() && i < b.event_log.size() && a.event_log[i] == b.event_log[i])
      ++i;
    INFO("seed " << seed << " first divergence at event " << i);
    CHECK(i == a.event_log.size());
    CHECK(a.event_log.size() == b.event_log.size());
    CHECK(a.event_hash == b.event_hash);
  }
}

TEST_CASE("different seeds explore different runs", "[sim][determinism]") {
  run_options o;
  o.activity_per_minute = busy;
  o.clients = 8;
  o.duration = 20s;
  o.seed = 1;
  auto a = run_simulation(o);
  o.seed = 2;
  auto b = run_simulation(o);
  CHECK(a.event_hash != b.event_hash);
}

namespace {

using parley::testing::run_command;

} // namespace

TEST_CASE("a deliberately broken room is caught and the replay reproduces it", "[sim][oracle]") {
  run_options o;
  o.activity_per_minute = busy;
  o.clients = 8;
  o.duration = 30s;
  o.make_room = parley::testing::spawn_lossy_room;
  std::optional<run_result> caught;
  for (o.seed = 1; o.seed <= 200 && !caught; ++o.seed) { // per-run action weights make it rarer
    auto r = run_simulation(o);
    if (!r.ok())
      caught = r;
  }
  REQUIRE(caught);
  --o.seed;
  // The printed command names `parley sim`; the broken room lives in its own test binary.
  auto cmd = replay_command(o);
  cmd.replace(0, std::string{"parley sim"}.size(), BROKEN_ROOM_REPLAY);
  auto [status, output] = run_command(cmd);
  INFO(cmd << "\n" << output);
  CHECK(status == 1);
  CHECK(output.find("VIOLATION " + caught->violations.front()) != std::string::npos);
  // And the real room passes the very same seed.
  o.make_room = nullptr;
  CHECK(run_simulation(o).ok());
}

// --- IRC clients in swarm runs (sim/random_irc_client.*, docs/simulation.md) ---

TEST_CASE("mixed line-protocol and IRC swarm runs keep every invariant", "[sim][irc]") {
  // Half the clients speak IRC (each client draws it from its own stream), on the same names
  // and rooms; faults chosen by each seed.
  std::size_t failed = 0;
  std::uint64_t irc_clients = 0, chat_lines = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 10;
    o.duration = 60s;
    o.irc_share = 0.5;
    auto r = run_simulation(o);
    irc_clients += r.irc_clients;
    chat_lines += r.chat_lines;
    if (!r.ok()) {
      ++failed;
      UNSCOPED_INFO("seed " << seed << " (" << r.fault_summary << "): " << r.violations.front()
                            << "\n  replay with: " << replay_command(o));
    }
  }
  CHECK(failed == 0);
  // About half of the 600 clients spoke IRC, and there was plenty of chat.
  CHECK(irc_clients > 200);
  CHECK(irc_clients < 400);
  CHECK(chat_lines > 10000);
}

TEST_CASE("IRC-only swarm runs keep every invariant", "[sim][irc]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 8;
    o.duration = 30s;
    o.irc_share = 1;
    auto r = run_simulation(o);
    INFO(replay_command(o));
    CHECK(r.irc_clients == 8);
    CHECK(r.violations == std::vector<std::string>{});
  }
}

TEST_CASE("a mixed line-protocol and IRC run is deterministic", "[sim][irc][determinism]") {
  for (std::uint64_t seed : {5, 23, 777}) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 8;
    o.duration = 30s;
    o.irc_share = 0.5;
    o.keep_event_log = true;
    auto a = run_simulation(o);
    auto b = run_simulation(o);
    REQUIRE(a.irc_clients > 0);
    REQUIRE(a.event_log.size() > 1000);
    std::size_t i = 0;
    while (i < a.event_log.size() && i < b.event_log.size() && a.event_log[i] == b.event_log[i])
      ++i;
    INFO("seed " << seed << " first divergence at event " << i);
    CHECK(i == a.event_log.size());
    CHECK(a.event_log.size() == b.event_log.size());
    CHECK(a.event_hash == b.event_hash);
  }
}

TEST_CASE("irc_share 0 runs no IRC client and opens no IRC listener", "[sim][irc]") {
  run_options o;
  o.activity_per_minute = busy;
  o.seed = 3;
  o.clients = 8;
  o.duration = 20s;
  o.irc_share = 0;
  auto line_only = run_simulation(o);
  CHECK(line_only.irc_clients == 0);
  CHECK(line_only.ok());
  o.irc_share = 0.5;
  auto mixed = run_simulation(o);
  CHECK(mixed.irc_clients > 0);
  CHECK(mixed.event_hash != line_only.event_hash);
}

TEST_CASE("the oracle catches the broken room through IRC members too", "[sim][irc][oracle]") {
  // Every client speaks IRC: the lossy room's drops must be found from PRIVMSG transcripts and
  // PING/PONG probes alone.
  run_options o;
  o.activity_per_minute = busy;
  o.clients = 8;
  o.duration = 30s;
  o.irc_share = 1;
  o.make_room = parley::testing::spawn_lossy_room;
  std::optional<run_result> caught;
  for (o.seed = 1; o.seed <= 20 && !caught; ++o.seed) {
    auto r = run_simulation(o);
    if (!r.ok())
      caught = r;
  }
  REQUIRE(caught);
  INFO(caught->violations.front());
  CHECK(caught->irc_clients == 8);
  bool irc_session_named = false;
  for (const auto& v : caught->violations)
    irc_session_named = irc_session_named || v.find(" i") != std::string::npos ||
                        v.rfind("i", 0) == 0;
  CHECK(irc_session_named);
}

// --- Per-address limits (actors/address_limits.*) under the swarm ---

namespace {
bool per_address_refusal(const std::string& line) {
  return line.rfind("ERROR too many ", 0) == 0 ||
         line.rfind("ERROR :Closing link: too many ", 0) == 0;
}
} // namespace

TEST_CASE("per-address limits: clients from few seeded addresses, refusals clear and closed",
          "[sim][limits]") {
  std::uint64_t refused = 0, refused_sessions = 0;
  std::set<std::string> addresses;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    run_options o;
    o.activity_per_minute = busy;
    o.seed = seed;
    o.clients = 16;
    o.duration = 60s;
    o.irc_share = 0.5;
    o.addresses = 2; // 16 clients, 2 addresses: the defaults (5 at once, 10 in a burst) bite
    o.inspect = [&](const std::vector<session*>& sessions) {
      for (auto* s : sessions) {
        const auto& lines = s->endpoint->lines();
        if (!s->endpoint->peer().empty())
          addresses.insert(parley::peer_address(s->endpoint->peer()));
        if (lines.empty() || !per_address_refusal(lines.front()))
          continue;
        ++refused_sessions;
        INFO("seed " << seed << ": " << lines.front());
        CHECK(lines.size() == 1); // the refusal, and nothing else
        CHECK(s->endpoint->closed_by_server());
      }
    };
    auto r = run_simulation(o);
    for (auto& v : r.violations)
      UNSCOPED_INFO("seed " << seed << ": " << v << "\n  replay with: " << replay_command(o));
    CHECK(r.ok());
    refused += r.refused_per_address_count + r.refused_per_address_rate;
  }
  CHECK(addresses.size() == 2);
  CHECK(refused > 0);
  // Each refusal reached its client (a client that left at once may not have read it).
  CHECK(refused_sessions > 0);
  CHECK(refused_sessions <= refused);
}

TEST_CASE("per-address limits: client addresses come from a stream of their own",
          "[sim][limits][determinism]") {
  run_options o;
  o.seed = 7;
  o.clients = 8;
  o.duration = 20s;
  o.activity_per_minute = busy;
  auto without = run_simulation(o);
  // So many addresses that the limits never bite: the run is the one without them, but for
  // the peers' text (hence another event hash).
  o.addresses = 1000000;
  auto with = run_simulation(o);
  auto again = run_simulation(o);
  CHECK(with.event_hash == again.event_hash);
  CHECK(with.event_hash != without.event_hash);
  CHECK(with.refused_per_address_count + with.refused_per_address_rate == 0);
  CHECK(with.messages == without.messages);
  CHECK(with.deliveries == without.deliveries);
  CHECK(with.sessions == without.sessions);
  // Without the option, the simulated server has no per-address limits at all.
  CHECK(without.refused_per_address_count + without.refused_per_address_rate == 0);
}
