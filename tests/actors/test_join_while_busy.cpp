// A member who joins a busy room (actors/room.cpp, actors/connection.cpp): the room writes the
// joiner's events to the transport itself while the joiner's connection writes the join's own
// lines, on CAF's deterministic test scheduler through the simulated network, in virtual time.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/client.hpp"
#include "sim/run.hpp"

using namespace parley;
using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

world_options options(std::uint64_t seed = 1) {
  world_options o;
  o.seed = seed;
  return o;
}

/// The first place where `c` got a talker's numbered lines ("[lobby] s3: m7", or IRC
/// ":s3!s3@parley PRIVMSG #lobby :m7") before the last line of its own join (`joined`), out of
/// order or with a gap; "" if every talker's lines came after the join and in order (and there
/// were some).
std::string talk_disorder(client& c, int talkers, bool irc, const std::string& joined) {
  std::map<int, int> last;
  bool join_seen = false;
  for (const auto& l : c.lines()) {
    join_seen = join_seen || l.rfind(joined, 0) == 0;
    for (int i = 0; i < talkers; ++i) {
      auto s = "s" + std::to_string(i);
      auto prefix = irc ? ":" + s + "!" + s + "@parley PRIVMSG #lobby :m" : "[lobby] " + s + ": m";
      if (l.rfind(prefix, 0) != 0)
        continue;
      int n = std::stoi(l.substr(prefix.size()));
      if (!join_seen)
        return s + ": m" + std::to_string(n) + " before the join's own lines";
      if (last.count(i) && n != last[i] + 1)
        return s + ": m" + std::to_string(n) + " after m" + std::to_string(last[i]);
      last[i] = n;
    }
  }
  return last.empty() ? "no talk at all" : "";
}

/// Six line-protocol users in the lobby each send 12 numbered lines just as `join` makes a
/// new client join the lobby (a fixed latency lines them up: the join and the talk reach the
/// server at one virtual instant); returns talk_disorder of what the joiner got.
template <class Join>
std::string join_while_busy(std::uint64_t seed, bool irc, Join join) {
  constexpr int talkers = 6;
  auto o = options(seed);
  o.network.min_latency = 1ms; // the join and the talk reach the server at one instant
  o.network.max_latency = 1ms;
  o.network.split_bytewise_per_mille = 0;
  o.network.split_random_per_mille = 0;
  if (irc)
    o.server.irc_listener = o.server.listener;
  world w{o};
  std::vector<std::unique_ptr<client>> s;
  for (int i = 0; i < talkers; ++i) {
    auto name = "s" + std::to_string(i);
    s.push_back(std::make_unique<client>(w, name));
    REQUIRE(s.back()->login(name, "secret" + std::to_string(i)));
  }
  client joiner{w, "carol"};
  join(joiner);
  w.run_until(w.now() + std::chrono::microseconds{(seed % 7) * 100});
  for (auto& c : s) {
    std::string talk;
    for (int k = 0; k < 12; ++k)
      talk += "m" + std::to_string(k) + "\r\n";
    c->send_raw(talk);
  }
  w.run_until(w.now() + 2s);
  return talk_disorder(joiner, talkers, irc,
                       irc ? ":parley.local 366 carol #lobby " : "*** You are in lobby");
}

} // namespace

// The room writes a joiner's events to the transport itself, while the joiner's connection
// writes the join's own lines ("You are in ...", IRC JOIN, topic, NAMES): no line of the room
// may reach the client before those, or out of the room's order.
TEST_CASE("a member who joins a busy room gets every sender's lines in order",
          "[actors][route]") {
  SECTION("a line-protocol joiner") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
      INFO("seed " << seed);
      auto disorder = join_while_busy(seed, false, [](client& c) {
        c.connect();
        REQUIRE(c.await_line("*** Name?"));
        c.send_line("carol");
        REQUIRE(c.await_line_starting("*** New account carol."));
        c.send_line("secret9"); // registers, logs in and joins the lobby while all talk
      });
      REQUIRE(disorder == "");
    }
  }
  SECTION("an IRC joiner") {
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
      INFO("seed " << seed);
      auto disorder = join_while_busy(seed, true, [](client& c) {
        c.connect(irc_endpoint);
        c.send_line("NICK carol");
        c.send_line("USER carol 0 * :Carol");
        REQUIRE(c.await_line_starting(":parley.local 001 carol"));
        c.send_line("JOIN #lobby");
      });
      REQUIRE(disorder == "");
    }
  }
}
