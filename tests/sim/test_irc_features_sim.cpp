// Random IRC clients that use every feature, and the oracle that tracks them (issue #19): the
// swarm's IRC clients really rename, kick, set modes and topics, invite and go away; swarm runs
// with them keep every invariant; and the oracle's rules for renames and kicks catch a line
// that arrives under its sender's old nick and a kicked member that still gets the channel.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "sim/oracle.hpp"
#include "sim/random_irc_client.hpp"
#include "sim/run.hpp"
#include "tests/support/irc_transcripts.hpp"

using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

// What one IRC session did that took effect, read from its transcript: its own NICK echoes,
// and the KICK, MODE and TOPIC lines it caused, its 341 (INVITING) and 306 (now away), and
// the AWAY lines of others it got (away-notify).
void count_features(const session& s, std::map<std::string, std::size_t>& seen) {
  std::string me;
  for (const auto& [t, text] : s.endpoint->received()) {
    auto m = split_irc_line(text);
    if (m.command == "001")
      me = m.param(0);
    else if (m.command == "341")
      ++seen["invite"];
    else if (m.command == "306")
      ++seen["away"];
    else if (m.command == "AWAY" && m.nick() != me) // away-notify: another member's change
      ++seen["away-notify"];
    else if (me.empty() || m.nick() != me)
      continue;
    else if (m.command == "NICK") {
      ++seen["nick"];
      me = m.param(0);
    } else if (m.command == "KICK")
      ++seen["kick"];
    else if (m.command == "TOPIC")
      ++seen["topic"];
    else if (m.command == "MODE" && !m.param(0).empty() && m.param(0)[0] == '#')
      for (const auto& c : split_irc_modes(m))
        ++seen[std::string{"mode "} + (c.plus ? '+' : '-') + c.mode];
  }
}

run_options busy_run(std::uint64_t seed, double irc_share) {
  run_options o;
  o.seed = seed;
  o.clients = 10;
  o.duration = 60s;
  o.activity_per_minute = 120;
  o.irc_share = irc_share;
  return o;
}

} // namespace

TEST_CASE("the swarm's IRC clients rename, kick, set modes and topics, invite and go away",
          "[sim][irc]") {
  std::map<std::string, std::size_t> seen;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    auto o = busy_run(seed, 1);
    o.inspect = [&](const std::vector<session*>& sessions) {
      for (auto* s : sessions)
        if (s->irc)
          count_features(*s, seen);
    };
    run_simulation(o);
  }
  for (const char* what : {"nick", "kick", "topic", "invite", "away", "away-notify"}) {
    INFO(what);
    CHECK(seen[what] >= 100);
  }
  // Every mode the clients use was set and removed (they take effect only from an operator).
  for (char mode : std::string{"ovmtnsiklb"})
    for (char sign : {'+', '-'}) {
      auto key = std::string{"mode "} + sign + mode;
      INFO(key);
      CHECK(seen[key] >= 5);
    }
}

TEST_CASE("the run's IRC action weights come from its seed (swarm testing)", "[sim][irc]") {
  auto a = irc_swarm_weights(1);
  CHECK(a == irc_swarm_weights(1));
  CHECK(a.size() == static_cast<std::size_t>(irc_action::count_));
  // Over many seeds each kind is off now and then (about one seed in five) and on mostly.
  std::vector<int> off(a.size(), 0);
  std::set<std::vector<unsigned>> distinct;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto w = irc_swarm_weights(seed);
    distinct.insert(w);
    for (std::size_t i = 0; i < w.size(); ++i)
      off[i] += w[i] == 0 ? 1 : 0;
  }
  CHECK(distinct.size() == 200);
  for (std::size_t i = 0; i < off.size(); ++i) {
    INFO(irc_action_name(static_cast<irc_action>(i)));
    if (static_cast<irc_action>(i) == irc_action::idle)
      CHECK(off[i] == 0);
    else
      CHECK((off[i] >= 15 && off[i] <= 70));
  }
}

TEST_CASE("swarm runs with feature-rich IRC clients keep every invariant", "[sim][irc]") {
  for (double share : {0.5, 1.0}) {
    std::size_t failed = 0;
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
      auto o = busy_run(seed, share);
      auto r = run_simulation(o);
      if (!r.ok()) {
        ++failed;
        UNSCOPED_INFO("seed " << seed << " (" << r.fault_summary << "): " << r.violations.front()
                              << "\n  replay with: " << replay_command(o));
      }
    }
    INFO("irc_share " << share);
    CHECK(failed == 0);
  }
}

// --- Hand-made transcripts: the test plays the server's side of each connection ---

namespace {

// A world whose IRC clients get exactly the lines the test writes to them
// (tests/support/irc_transcripts.hpp), and who say tagged lines to a channel.
struct hand_made : parley::testing::irc_transcripts {
  // `s` is welcomed under its name and has joined #lobby (its own 001 and JOIN echo).
  void in_lobby(session& s) {
    server_says(s, ":parley.local 001 " + s.name + " :Welcome");
    server_says(s, ":" + s.name + "!" + s.name + "@parley JOIN #lobby");
  }

  void say(session& s, const std::string& room, const std::string& tag) {
    s.chats.push_back({s.endpoint->sent().size(), room, 0, tag});
    sends(s, "PRIVMSG #" + room + " :" + tag + " hello");
  }
};

using parley::testing::any_contains;

} // namespace

TEST_CASE("the oracle flags a line that arrives under its sender's old nick", "[sim][irc][oracle]") {
  for (bool applied : {false, true}) {
    hand_made h;
    auto& alice = h.add("alice", "alice");
    auto& bob = h.add("bob", "bob");
    h.in_lobby(alice);
    h.in_lobby(bob);
    h.server_says(bob, ":alice!alice@parley JOIN #lobby");
    // Alice renames herself; bob sees it; then she speaks as alicia.
    alice.endpoint->send_line("NICK alicia");
    h.server_says(alice, ":alice!alice@parley NICK alicia");
    h.server_says(bob, ":alice!alice@parley NICK alicia");
    h.say(alice, "lobby", "m0.1");
    // A room that never applied the rename still names her alice.
    auto from = applied ? std::string{"alicia"} : std::string{"alice"};
    h.server_says(bob, ":" + from + "!" + from + "@parley PRIVMSG #lobby :m0.1 hello");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    CHECK(any_contains(v, "received m0.1 from alice, but its sender was alicia") == !applied);
    if (applied)
      CHECK(v.empty());
  }
}

TEST_CASE("a previous holder's rename that arrives late is not the session's own",
          "[sim][irc][oracle]") {
  // Carol renames to dave just after the old dave renamed to erin; the old dave's NICK line
  // reaches her through the room after her own echo. She did not ask for erin: she is still
  // dave, and her line as dave is rightly attributed.
  hand_made h;
  auto& carol = h.add("carol", "carol");
  auto& bob = h.add("bob", "bob");
  h.in_lobby(carol);
  h.in_lobby(bob);
  h.server_says(bob, ":carol!carol@parley JOIN #lobby");
  carol.endpoint->send_line("NICK dave");
  h.server_says(carol, ":carol!carol@parley NICK dave");
  h.server_says(carol, ":dave!dave@parley NICK erin"); // the old dave, late
  h.server_says(bob, ":dave!dave@parley NICK erin");
  h.server_says(bob, ":carol!carol@parley NICK dave");
  h.say(carol, "lobby", "m0.2");
  h.server_says(bob, ":dave!dave@parley PRIVMSG #lobby :m0.2 hello");
  auto v = h.verdict();
  INFO((v.empty() ? std::string{"no violation"} : v.front()));
  CHECK(v.empty());
}

TEST_CASE("what a crashed connection flushes after its error line is no room line",
          "[sim][irc][oracle]") {
  // A connection killed in the middle of a join: the room admitted it and held its fan-out,
  // the listener wrote the error and closed, and the close flushed the held line. The session
  // ended at the error line; before it, the same line is a stray.
  for (bool crashed : {false, true}) {
    hand_made h;
    auto& dave = h.add("dave", "dave");
    h.server_says(dave, ":parley.local 001 dave :Welcome");
    if (crashed)
      h.server_says(dave, "ERROR internal error; connection closed");
    h.server_says(dave, ":erin!erin@parley JOIN #lobby");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    CHECK(any_contains(v, "received a line of room lobby while not a member") == !crashed);
  }
}

TEST_CASE("the oracle flags a kicked member that still receives the channel's lines",
          "[sim][irc][oracle]") {
  for (bool removed : {false, true}) {
    hand_made h;
    auto& alice = h.add("alice", "alice");
    auto& carol = h.add("carol", "carol");
    h.in_lobby(alice);
    h.in_lobby(carol);
    h.server_says(alice, ":carol!carol@parley JOIN #lobby");
    // Alice, the channel's operator, kicks carol: both see it.
    h.server_says(alice, ":alice!alice@parley KICK #lobby carol :behave");
    h.server_says(carol, ":alice!alice@parley KICK #lobby carol :behave");
    h.say(alice, "lobby", "m0.2");
    // A room that left carol in its fan-out still sends her the channel's line.
    if (!removed)
      h.server_says(carol, ":alice!alice@parley PRIVMSG #lobby :m0.2 hello");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    CHECK(any_contains(v, "carol (carol) received a line of room lobby while not a member") ==
          !removed);
    if (removed)
      CHECK(v.empty());
  }
}

TEST_CASE("a member kicked after a line was sent is not owed it, one never kicked is",
          "[sim][irc][oracle]") {
  for (bool kicked : {false, true}) {
    hand_made h;
    auto& alice = h.add("alice", "alice");
    auto& carol = h.add("carol", "carol");
    h.in_lobby(alice);
    h.in_lobby(carol);
    h.say(alice, "lobby", "m0.3");
    // Alice synchronises on her line: the server answers her PING (it does before registration).
    alice.probes.push_back({alice.endpoint->sent().size(), {}, 0, "p0.4"});
    alice.endpoint->send_line("PING p0.4");
    h.w.run_until(h.w.now() + 100ms);
    REQUIRE(alice.endpoint->has_line(":parley.local PONG parley.local p0.4"));
    // Carol never got m0.3. Kicked after alice's PONG, she may have been kicked before the room
    // handled it (her KICK comes on her own connection); never kicked, she lost it.
    if (kicked)
      h.server_says(carol, ":alice!alice@parley KICK #lobby carol :behave");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    CHECK(any_contains(v, "carol (carol) never received m0.3 sent to lobby") == !kicked);
    if (kicked)
      CHECK(v.empty());
  }
}

TEST_CASE("a KICK of a member's old nick that its rooms sent before they learnt its rename is "
          "its own, and an overtaking is still caught",
          "[sim][irc][oracle]") {
  // Carol renames herself to dave while alice kicks her from #lobby. Her connection writes the
  // NICK echo first, then tells the room; the room handled the kick before the rename, so the
  // KICK names carol and comes after the echo, before the PONG of her sentinel (the server
  // keeps the old nick hers until the room has answered). She is out of #lobby and owed
  // nothing of it. With no kick, or with a KICK of carol after that PONG (the nick may be
  // someone else's by then), she is still in #lobby, and a PONG that overtakes alice's line
  // after alice synchronised on it breaks the ordering guarantee.
  enum class kick { before_pong, none, after_pong };
  for (auto variant : {kick::before_pong, kick::none, kick::after_pong}) {
    hand_made h;
    auto& alice = h.add("alice", "alice");
    auto& carol = h.add("carol", "carol");
    h.in_lobby(alice);
    h.in_lobby(carol);
    h.server_says(alice, ":carol!carol@parley JOIN #lobby");
    auto ping = [&](session& s, const std::string& token) { // sent after what came before
      h.pass(100ms);
      s.probes.push_back({s.endpoint->sent().size(), {}, 0, token});
      h.sends(s, "PING " + token);
      REQUIRE(s.endpoint->has_line(":parley.local PONG parley.local " + token));
    };
    carol.endpoint->send_line("NICK dave");
    h.server_says(carol, ":carol!carol@parley NICK dave");
    h.server_says(alice, ":carol!carol@parley NICK dave");
    auto kicked = ":alice!alice@parley KICK #lobby carol :behave";
    if (variant == kick::before_pong)
      h.server_says(carol, kicked);
    // Her sentinel (a random client sends it with the NICK; the real server, which answers
    // PINGs before registration, would answer it at once, so it goes here).
    ping(carol, "j1.1");
    if (variant == kick::after_pong)
      h.server_says(carol, kicked);
    // Alice says m0.3 and synchronises on it; then dave's next PING is answered before it.
    h.say(alice, "lobby", "m0.3");
    ping(alice, "p0.4");
    ping(carol, "p1.2");
    if (variant != kick::before_pong)
      h.server_says(carol, ":alice!alice@parley PRIVMSG #lobby :m0.3 hello");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    if (variant == kick::before_pong)
      CHECK(v.empty());
    else
      CHECK(any_contains(v, "ordering guarantee broken: carol (carol) got the reply to a PING "
                            "sent after alice had synchronised on m0.3"));
  }
}
