// The oracle's rules for IRC topics and away state (sim/oracle.cpp "topic-agreement" and
// "away-reply", docs/simulation.md "The invariant oracle"), fed hand-made transcripts: the test
// plays the server's side of each connection (the real server only answers the PINGs and
// refuses the rest with 451, lines the oracle skips). Each rule must report a room or a
// directory that gets it wrong and stay quiet on the right answer and on a change in flight.
#include <catch2/catch.hpp>

#include "sim/oracle.hpp"
#include "sim/random_irc_client.hpp"
#include "sim/run.hpp"
#include "tests/support/irc_transcripts.hpp"

using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

// Hand-made transcripts (tests/support/irc_transcripts.hpp) of sessions welcomed at once,
// with PING probes, joins of #lobby and topic changes.
struct hand_made : parley::testing::irc_transcripts {
  int next_probe = 0;

  // An IRC session welcomed as `nick`.
  session& add(const std::string& nick) {
    auto& s = irc_transcripts::add(nick, nick);
    server_says(s, ":parley.local 001 " + nick + " :Welcome");
    return s;
  }

  // A PING probe; the server answers it (it does before registration too).
  void probe(session& s) {
    auto tag = "p" + std::to_string(next_probe++);
    s.probes.push_back({s.endpoint->sent().size(), {}, 0, tag});
    sends(s, "PING " + tag);
    REQUIRE(s.endpoint->has_line(":parley.local PONG parley.local " + tag));
  }

  // `s` joins #lobby: its JOIN echo, then the room's topic answer (331 when `topic` is empty).
  void joins(session& s, const std::string& topic) {
    sends(s, "JOIN #lobby");
    server_says(s, ":" + s.name + "!" + s.name + "@parley JOIN #lobby");
    server_says(s, topic.empty() ? ":parley.local 331 " + s.name + " #lobby :No topic is set"
                                 : ":parley.local 332 " + s.name + " #lobby :" + topic);
  }

  void topic_changed(session& to, const std::string& by, const std::string& topic) {
    server_says(to, ":" + by + "!" + by + "@parley TOPIC #lobby :" + topic);
  }

};

using parley::testing::any_contains;

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? std::string{"no violation"} : v.front();
}

} // namespace

TEST_CASE("the oracle flags a joiner told another topic than the members saw", "[oracle][irc]") {
  // Alice and bob are in #lobby; alice sets the topic "news" and both see it. Carol joins
  // seconds later: the room owes her "news" (a room that forgot it says 331, one that kept a
  // stale topic says it).
  for (std::string told : {"news", "", "old"}) {
    hand_made h;
    auto& alice = h.add("alice");
    auto& bob = h.add("bob");
    h.joins(alice, "old");
    h.joins(bob, "old");
    h.sends(alice, "TOPIC #lobby :news");
    h.topic_changed(alice, "alice", "news");
    h.topic_changed(bob, "alice", "news");
    h.pass(3s);
    auto& carol = h.add("carol");
    h.joins(carol, told);
    h.pass(1500ms);
    h.probe(alice); // alice, in #lobby throughout, synchronises after carol's answer
    h.probe(bob);
    auto v = h.verdict();
    INFO("told '" << told << "': " << first(v));
    CHECK(any_contains(v, "carol (carol) was told the topic of lobby is '" + told + "'") ==
          (told != "news"));
    if (told == "news")
      CHECK(v.empty());
    CHECK(h.counts["topic-agreement"] >= 1);
  }
}

TEST_CASE("a topic change in flight when the joiner asked is not held against the room",
          "[oracle][irc]") {
  // Bob sets "later" just as carol joins: the room may have handled either first, and the
  // members see the change after carol asked. Carol's "news" is then as right as "later".
  for (std::string told : {"news", "later"}) {
    hand_made h;
    auto& alice = h.add("alice");
    auto& bob = h.add("bob");
    h.joins(alice, "");
    h.joins(bob, "");
    h.topic_changed(alice, "alice", "news");
    h.topic_changed(bob, "alice", "news");
    h.pass(3s);
    auto& carol = h.add("carol");
    h.sends(bob, "TOPIC #lobby :later");
    h.sends(carol, "JOIN #lobby");
    h.topic_changed(alice, "bob", "later");
    h.topic_changed(bob, "bob", "later");
    h.server_says(carol, ":carol!carol@parley JOIN #lobby");
    h.server_says(carol, ":parley.local 332 carol #lobby :" + told);
    h.pass(1500ms);
    h.probe(alice);
    h.probe(bob);
    auto v = h.verdict();
    INFO("told '" << told << "': " << first(v));
    CHECK(v.empty());
  }
}

TEST_CASE("the oracle flags a 301 that does not match the nick's away state", "[oracle][irc]") {
  // Bob goes away ("lunch") or comes back; seconds later alice messages him (maybe after he
  // renamed himself robert: the away state goes with him) and synchronises. The directory owes
  // her one 301 with his message while he is away, and none once he is back.
  struct variant {
    bool away;
    bool renamed;
    std::string reply; // the 301's text; empty: no 301
  };
  for (const auto& c : {variant{true, false, "lunch"}, variant{true, false, ""},
                        variant{true, false, "brb"}, variant{false, false, ""},
                        variant{false, false, "lunch"}, variant{true, true, "lunch"},
                        variant{true, true, ""}}) {
    hand_made h;
    auto& alice = h.add("alice");
    auto& bob = h.add("bob");
    h.sends(bob, "AWAY :lunch");
    h.server_says(bob, ":parley.local 306 bob :You have been marked as being away");
    if (!c.away) {
      h.sends(bob, "AWAY");
      h.server_says(bob, ":parley.local 305 bob :You are no longer marked as being away");
    }
    std::string nick = "bob";
    if (c.renamed) {
      h.sends(bob, "NICK robert");
      h.server_says(bob, ":bob!bob@parley NICK robert");
      nick = "robert";
    }
    h.pass(3s);
    h.sends(alice, "PRIVMSG " + nick + " :hi");
    if (!c.reply.empty())
      h.server_says(alice, ":parley.local 301 alice " + nick + " :" + c.reply);
    h.probe(alice);
    h.probe(bob); // bob is still there after alice's answer
    auto v = h.verdict();
    bool right = c.reply == (c.away ? "lunch" : "");
    INFO("away " << c.away << ", renamed " << c.renamed << ", 301 '" << c.reply
                 << "': " << first(v));
    CHECK(any_contains(v, "alice (alice) ") == !right);
    CHECK(any_contains(v, "bob (bob), which held it") == !right);
    if (right)
      CHECK(v.empty());
    CHECK(h.counts["away-reply"] == 1);
  }
}

TEST_CASE("an AWAY in flight when the message was sent is not held against the server",
          "[oracle][irc]") {
  // Bob comes back just as alice messages him: the directory may have handled either first,
  // so a 301 and none are both right.
  for (bool replied : {false, true}) {
    hand_made h;
    auto& alice = h.add("alice");
    auto& bob = h.add("bob");
    h.sends(bob, "AWAY :lunch");
    h.server_says(bob, ":parley.local 306 bob :You have been marked as being away");
    h.pass(3s);
    h.sends(bob, "AWAY");
    h.sends(alice, "PRIVMSG bob :hi");
    h.server_says(bob, ":parley.local 305 bob :You are no longer marked as being away");
    if (replied)
      h.server_says(alice, ":parley.local 301 alice bob :lunch");
    h.probe(alice);
    h.probe(bob);
    auto v = h.verdict();
    INFO(first(v));
    CHECK(v.empty());
    CHECK(h.counts["away-reply"] == 0);
  }
}
