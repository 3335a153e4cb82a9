// The per-address connection limits on their own (actors/address_limits.*): the address taken
// from a peer's text, the count at once, the connect rate (a leaky bucket per address, on a
// clock the test moves by hand), and the bound on what it remembers.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "actors/address_limits.hpp"

using namespace std::chrono_literals;
using parley::address_limits;
using parley::address_limits_config;
using parley::peer_address;

namespace {

address_limits_config count_only(std::uint32_t n) {
  auto c = parley::no_address_limits();
  c.max_connections = n;
  return c;
}

address_limits_config rate_only(std::uint32_t burst, std::uint32_t interval_ms) {
  auto c = parley::no_address_limits();
  c.connect_burst = burst;
  c.connect_interval_ms = interval_ms;
  return c;
}

const address_limits::time_point t0{std::chrono::hours{1000}};

} // namespace

TEST_CASE("address_limits: the address of a transport's peer text", "[limits]") {
  CHECK(peer_address("127.0.0.1:50432") == "127.0.0.1");
  CHECK(peer_address("::1:50432") == "::1");
  CHECK(peer_address("2001:db8::7:40000") == "2001:db8::7");
  CHECK(peer_address("[2001:db8::7]:40000") == "2001:db8::7");
  CHECK(peer_address("::ffff:192.0.2.1:50432") == "192.0.2.1"); // dual-stack view of IPv4
  CHECK(peer_address("::ffff:1:50432") == "::ffff:1");           // not a mapped IPv4 address
  CHECK(peer_address("sim:12") == "sim");                        // the simulator's one address
  CHECK(peer_address("localhost") == "localhost");
}

TEST_CASE("address_limits: connections at once, per address", "[limits]") {
  address_limits lim{count_only(2)};
  CHECK(lim.admit("192.0.2.1", t0).admitted);
  CHECK(lim.admit("192.0.2.1", t0).admitted);
  auto third = lim.admit("192.0.2.1", t0);
  CHECK_FALSE(third.admitted);
  CHECK(third.why == "too many connections from your address (2); try again later");
  CHECK(lim.admit("192.0.2.2", t0).admitted); // another address has its own count
  lim.release("192.0.2.1", t0 + 1s);
  CHECK(lim.admit("192.0.2.1", t0 + 1s).admitted);
  CHECK(lim.stats().refused_count == 1);
  CHECK(lim.stats().refused_rate == 0);
  // Every connection gone: nothing is remembered.
  lim.release("192.0.2.1", t0 + 2s);
  lim.release("192.0.2.1", t0 + 2s);
  lim.release("192.0.2.2", t0 + 2s);
  CHECK(lim.stats().tracked == 0);
}

TEST_CASE("address_limits: a burst, then one connection per interval", "[limits]") {
  address_limits lim{rate_only(3, 2000)};
  const std::string a = "198.51.100.9";
  for (int i = 0; i < 3; ++i) { // the burst; closing does not give attempts back
    REQUIRE(lim.admit(a, t0).admitted);
    lim.release(a, t0);
  }
  // The address's time is now t0 + 6 s: 2 s more than the 2 intervals it may be ahead.
  auto v = lim.admit(a, t0 + 100ms);
  CHECK_FALSE(v.admitted);
  CHECK(v.why == "too many new connections from your address; try again in 2 s");
  v = lim.admit(a, t0 + 1900ms);
  CHECK_FALSE(v.admitted);
  CHECK(v.why == "too many new connections from your address; try again in 1 s");
  CHECK(lim.admit(a, t0 + 2s).admitted); // refused attempts cost nothing
  CHECK_FALSE(lim.admit(a, t0 + 2s).admitted);
  CHECK(lim.admit("198.51.100.10", t0 + 2s).admitted); // another address has its own bucket
  CHECK(lim.stats().refused_rate == 3);
  // Once its time has passed, an address is as good as new, and forgotten.
  lim.release(a, t0 + 3s);
  lim.release("198.51.100.10", t0 + 3s);
  CHECK(lim.stats().tracked == 2); // both times lie ahead
  CHECK(lim.admit("203.0.113.1", t0 + 9s).admitted);
  CHECK(lim.stats().tracked == 1); // only the newcomer
  for (int i = 0; i < 3; ++i)
    CHECK(lim.admit(a, t0 + 9s).admitted); // a full burst again
}

TEST_CASE("address_limits: both limits together", "[limits]") {
  address_limits_config c;
  c.max_connections = 2;
  c.connect_burst = 3;
  c.connect_interval_ms = 1000;
  address_limits lim{c};
  CHECK(lim.admit("::1", t0).admitted);
  CHECK(lim.admit("::1", t0).admitted);
  CHECK(lim.admit("::1", t0).why == "too many connections from your address (2); try again later");
  lim.release("::1", t0);
  CHECK(lim.admit("::1", t0).admitted); // the third of the burst
  lim.release("::1", t0);
  CHECK(lim.admit("::1", t0).why == "too many new connections from your address; try again in 1 s");
  CHECK(lim.stats().refused_count == 1);
  CHECK(lim.stats().refused_rate == 1);
}

TEST_CASE("address_limits: many addresses cannot grow it without bound", "[limits]") {
  auto c = rate_only(10, 6000);
  c.max_connections = 5;
  c.max_tracked_addresses = 100;
  address_limits lim{c};
  // 10000 addresses (an attacker's IPv6 range) connect and leave within a second: each would
  // be remembered for 6 s, but at most 100 of them are.
  for (int i = 0; i < 10000; ++i) {
    auto addr = "2001:db8::" + std::to_string(i);
    auto now = t0 + std::chrono::microseconds{100 * i};
    REQUIRE(lim.admit(addr, now).admitted);
    lim.release(addr, now);
    REQUIRE(lim.stats().tracked <= 100);
  }
  CHECK(lim.stats().forgotten_early == 9900);
  // Those with open connections are kept beyond the cap (the connection limits bound them).
  for (int i = 0; i < 300; ++i)
    REQUIRE(lim.admit("10.0.0." + std::to_string(i), t0 + 2s).admitted);
  CHECK(lim.stats().tracked == 400);
  CHECK(lim.stats().idle == 100);
  // When their time has passed, all that remains are the addresses with open connections.
  for (int i = 0; i < 300; ++i)
    lim.release("10.0.0." + std::to_string(i), t0 + 3s);
  CHECK(lim.stats().tracked <= 100);
  CHECK(lim.admit("192.0.2.200", t0 + 60s).admitted);
  CHECK(lim.stats().tracked == 1);
}

TEST_CASE("address_limits: the same calls give the same state, whatever the addresses' text",
          "[limits]") {
  // Ties in the addresses' times are broken by their text, never by where they live in memory:
  // two instances fed the same calls forget the same addresses at the cap.
  auto run = [] {
    auto c = rate_only(2, 1000);
    c.max_tracked_addresses = 3;
    address_limits lim{c};
    for (const char* a : {"d", "b", "e", "a", "c"}) {
      lim.admit(a, t0);
      lim.release(a, t0);
    }
    std::string kept;
    for (const char* a : {"a", "b", "c", "d", "e"}) // one more admit each: 2nd of the burst
      kept += lim.admit(a, t0).admitted && lim.admit(a, t0).admitted ? "" : a;
    return kept;
  };
  auto first = run();
  CHECK(first == run());
  CHECK(first == "cde"); // "a" and "b" (smallest text among equal times) were forgotten
}
