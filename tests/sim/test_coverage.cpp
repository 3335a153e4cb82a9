// Coverage of the swarm (sim/coverage.*): the universe is read from the code, a tiny scripted
// world is counted exactly, sums survive the trip from swarm workers to the parent, counting
// does not change a run, and the allow-list check says what a user of ctest needs to hear. The
// seed range itself is checked by the swarm_coverage ctest (tests/CMakeLists.txt).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "sim/client.hpp"
#include "sim/coverage.hpp"
#include "sim/run.hpp"

using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

std::uint64_t count_of(const coverage::tally& t, const std::string& name) {
  auto i = t.find(name);
  return i == t.end() ? 0 : i->second;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

TEST_CASE("the coverage universe comes from the actor interfaces and command tables",
          "[coverage]") {
  auto handlers = coverage::handler_names();
  // A sample of every server interface, as a trace names their messages.
  for (auto h : {"authenticator.verify_password", "connection.bytes_received",
                 "connection.deliver_text", "directory.claim_name", "directory.room_population",
                 "listener.connection_accepted", "room.post_line", "room.kick_member",
                 "transport.fan_out_bytes", "transport.hold_fan_out"})
    CHECK(contains(handlers, h));
  CHECK_FALSE(contains(handlers, "chaos.crash_user")); // the simulator's own actor
  CHECK(std::set<std::string>(handlers.begin(), handlers.end()).size() == handlers.size());
  auto types = coverage::message_type_names();
  CHECK(contains(types, "join_room_result")); // a reply type
  auto commands = coverage::command_names();
  for (auto c : {"line /join", "line /who", "line /help", "irc CAP", "irc PRIVMSG", "irc KICK",
                 "irc TAGMSG"})
    CHECK(contains(commands, c));
  CHECK(commands.size() == 8 + 30); // the two tables today
  CHECK(coverage::message_type("(post_line(\"alice\", \"hi\"))") == "post_line");
  CHECK(coverage::message_type("(login_timed_out)") == "login_timed_out");
  CHECK(coverage::message_type("(down_msg(1@node, none))") == "down_msg");
}

TEST_CASE("a scripted world is counted exactly", "[coverage]") {
  coverage::counter counted;
  world_options o;
  o.server.irc_listener = o.server.listener;
  counted.observe_commands(o.server);
  {
    world w{o};
    w.set_observer(&counted);
    client alice{w, "alice"};
    REQUIRE(alice.login("alice", "secret1"));
    alice.send_line("/join dev");
    REQUIRE(alice.await_line_starting("*** You are in dev"));
    alice.send_line("hello");
    alice.send_line("/part now");  // refused before its handler: /part takes no argument
    alice.send_line("/nosuch");    // no such command
    alice.send_line("/who");
    REQUIRE(alice.await_line_starting("*** Members of dev"));
    client bob{w, "bob"};
    bob.connect(irc_endpoint);
    bob.send_line("KICK #dev alice"); // before registration: refused, not dispatched
    bob.send_line("NICK bob");
    bob.send_line("USER bob 0 * :Bob");
    REQUIRE(bob.await_line_starting(":parley.local 001 bob"));
    bob.send_line("TOPIC");  // too few parameters: refused
    bob.send_line("PING :x");
    REQUIRE(bob.await_line(":parley.local PONG parley.local x"));
  }
  auto c = counted.result();
  CHECK(c.commands == coverage::tally{{"line /join", 1}, {"line /who", 1}, {"irc NICK", 1},
                                      {"irc USER", 1}, {"irc PING", 1}});
  CHECK(count_of(c.handlers, "room.post_line") == 1);
  CHECK(count_of(c.handlers, "room.list_members") == 1);
  CHECK(count_of(c.handlers, "directory.join_room") == 2); // the lobby at login, then dev
  CHECK(count_of(c.handlers, "listener.connection_accepted") == 2);
  CHECK(count_of(c.handlers, "room.kick_member") == 0);
  // Replies are counted as messages of the actor that asked, not as handlers.
  CHECK(count_of(c.messages, "connection <- post_line_result") == 1);
  CHECK(count_of(c.handlers, "connection.post_line_result") == 0);
  CHECK(count_of(c.messages, "room <- post_line") == 1);
  auto never = coverage::never_exercised(c);
  CHECK(contains(never["handlers"], "room.kick_member"));
  CHECK_FALSE(contains(never["handlers"], "room.post_line"));
  CHECK(contains(never["commands"], "irc KICK"));
  CHECK(contains(never["commands"], "line /part"));
}

TEST_CASE("counting coverage does not change a run, and counts every rule", "[coverage]") {
  run_options o;
  o.seed = 11;
  o.activity_per_minute = 120;
  o.irc_share = 0.5;
  auto plain = run_simulation(o);
  o.coverage = true;
  auto counted = run_simulation(o);
  CHECK(plain.event_hash == counted.event_hash);
  CHECK(plain.coverage.runs == 0);
  CHECK(plain.coverage.handlers.empty());
  CHECK(counted.coverage.runs == 1);
  CHECK(count_of(counted.coverage.handlers, "room.post_line") > 0);
  CHECK(coverage::never_exercised(counted.coverage)["rules"].empty());
}

TEST_CASE("swarm workers' coverage blocks sum in the parent", "[coverage]") {
  coverage::counts a, b;
  a.runs = 2;
  a.handlers["room.post_line"] = 5;
  a.commands["line /join"] = 1;
  a.messages["? <- exit_msg"] = 3;
  b.runs = 1;
  b.handlers["room.post_line"] = 2;
  b.rules["no loss"] = 7;
  coverage::counts parent;
  for (const auto* worker : {&a, &b}) {
    auto block = coverage::serialize(*worker);
    std::size_t start = 0;
    for (auto nl = block.find('\n'); nl != std::string::npos; nl = block.find('\n', start)) {
      REQUIRE(coverage::parse_line(block.substr(start, nl - start), parent));
      start = nl + 1;
    }
  }
  CHECK_FALSE(coverage::parse_line("12 ok -", parent)); // a seed's line is not coverage
  CHECK(parent.runs == 3);
  CHECK(parent.handlers == coverage::tally{{"room.post_line", 7}});
  CHECK(parent.commands == coverage::tally{{"line /join", 1}});
  CHECK(parent.messages == coverage::tally{{"? <- exit_msg", 3}});
  CHECK(parent.rules == coverage::tally{{"no loss", 7}});
  a.add(b);
  CHECK(a.handlers == parent.handlers);
}

TEST_CASE("the allow-list check names what is missing and what is stale", "[coverage]") {
  coverage::counts c;
  for (const auto& h : coverage::handler_names())
    c.handlers[h] = 1;
  for (const auto& k : coverage::command_names())
    c.commands[k] = 1;
  CHECK(coverage::check_allow_list(c, "# nothing allowed\n").empty());
  c.handlers["room.kick_member"] = 0;
  c.commands.erase("irc KICK");
  auto problems = coverage::check_allow_list(c, "");
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "handler 'room.kick_member' was never exercised by this seed range (and "
                       "is not on the allow-list)");
  CHECK(problems[1].find("command 'irc KICK'") == 0);
  CHECK(coverage::check_allow_list(c, "handler room.kick_member -- clients never kick\n"
                                      "command irc KICK -- clients never kick\n")
          .empty());
  problems = coverage::check_allow_list(c, "handler room.kick_member -- clients never kick\n"
                                           "command irc KICK -- clients never kick\n"
                                           "command irc JOIN -- stale\n"
                                           "handler room.no_such -- gone\n"
                                           "command irc KICK\n");
  auto said = [&](const std::string& text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
  };
  CHECK(problems.size() == 3);
  CHECK(said("line 3: command 'irc JOIN' is exercised now (1 times): remove it"));
  CHECK(said("line 4: no handler 'room.no_such' exists"));
  CHECK(said("line 5 is not 'CATEGORY NAME -- REASON'"));
}
