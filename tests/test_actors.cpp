// The actors on CAF's deterministic test scheduler, through the simulated network: every test
// runs in virtual time, so timers (login delays, timeouts) are tested without sleeping.
#include <catch2/catch.hpp>

#include "sim/client.hpp"
#include "sim/run.hpp"

using namespace parley;
using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

std::size_t count(client& c, const std::string& line) {
  std::size_t n = 0;
  for (const auto& l : c.lines())
    n += l == line ? 1 : 0;
  return n;
}

bool await_count(world& w, client& c, const std::string& line, std::size_t n) {
  return w.run_until([&] { return count(c, line) >= n; }, w.now() + 30s);
}

world_options options(std::uint64_t seed = 1) {
  world_options o;
  o.seed = seed;
  return o;
}

} // namespace

TEST_CASE("a client registers, lands in the lobby and others see its lines") {
  world w{options()};
  client alice{w, "alice"}, bob{w, "bob"};
  REQUIRE(alice.login("alice", "secret1"));
  REQUIRE(bob.login("bob", "secret2"));
  CHECK(alice.await_line("[lobby] *** bob joined"));
  alice.send_line("hello bob");
  CHECK(bob.await_line("[lobby] alice: hello bob"));
  CHECK_FALSE(alice.has_line("[lobby] alice: hello bob")); // no echo to the sender
}

TEST_CASE("three wrong passwords close the connection after growing delays") {
  world w{options()};
  { client a{w, "a"}; REQUIRE(a.login("alice", "secret1")); a.send_line("/quit"); }
  w.run_until(w.now() + 1s);
  client c{w, "c"};
  c.connect();
  REQUIRE(c.await_line("*** Name?"));
  auto t0 = w.now();
  for (std::size_t i = 1; i <= 3; ++i) {
    c.send_line("alice");
    REQUIRE(await_count(w, c, "*** Password for alice?", i));
    c.send_line("wrong");
    REQUIRE(await_count(w, c, "ERROR wrong password", i));
  }
  REQUIRE(c.await_line("ERROR too many failed logins; goodbye"));
  REQUIRE(w.run_until([&] { return c.closed_by_server(); }, w.now() + 10s));
  // 1 s after the first failure and 2 s after the second passed in virtual time.
  CHECK(w.now() - t0 >= 3s);
}

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
