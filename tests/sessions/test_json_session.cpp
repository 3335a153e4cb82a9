// A third protocol on the unchanged actors: the tests' JSON-lines session (json_session.hpp)
// gets its own listener on the simulated network, and its user chats in a room with a
// line-protocol user and an IRC user. Nothing in actors/ knows the protocol exists.
#include <catch2/catch.hpp>

#include "actors/connection_shell.hpp"
#include "sim/client.hpp"
#include "sim/world.hpp"
#include "tests/sessions/json_session.hpp"

using namespace std::chrono_literals;
using parley::sim::client;

namespace {

const std::string json_endpoint = "sim:7000";

parley::sim::world_options irc_and_line() {
  parley::sim::world_options o;
  o.seed = 7;
  o.server.irc_listener = o.server.listener;
  return o;
}

// A listener whose connections speak JSON lines, over the world's transport, directory and
// authenticator.
parley::listener_actor listen_json(parley::sim::world& w) {
  parley::listener_config cfg;
  cfg.connection.session = &parley::testing::json_session();
  parley::connection_deps deps{w.server().transport, w.server().directory, w.server().auth};
  auto l = parley::spawn_listener(w.system(), deps, cfg, "json-listener");
  caf::anon_send(w.server().transport,
                 parley::net::listen_on{{json_endpoint}, caf::actor_cast<parley::net::acceptor_actor>(l)});
  return l;
}

} // namespace

TEST_CASE("a third protocol joins a room with line and IRC users, touching nothing in actors/",
          "[sessions][json]") {
  parley::sim::world w{irc_and_line()};
  auto json_listener = listen_json(w);

  client line{w, "line"};
  line.connect();
  REQUIRE(line.login("lena", "secret1"));

  client irc{w, "irc"};
  irc.connect(parley::sim::irc_endpoint);
  irc.send_line("NICK ivan");
  irc.send_line("USER ivan 0 * :Ivan");
  REQUIRE(irc.await_line_starting(":parley.local 001 ivan"));
  irc.send_line("JOIN #lobby");
  REQUIRE(irc.await_line_starting(":parley.local 366 ivan #lobby"));

  client js{w, "json"};
  js.connect(json_endpoint);
  REQUIRE(js.await_line(R"({"hello":"parley","send":{"name":"NAME"}})"));
  js.send_line(R"({"say":"too early"})");
  REQUIRE(js.await_line(R"({"error":"unknown command here: say"})"));
  js.send_line("not json");
  REQUIRE(js.await_line(R"({"error":"expected one JSON object with one string member"})"));
  js.send_line(R"({"name":"jo"})");
  REQUIRE(js.await_line(R"({"welcome":"jo"})"));
  js.send_line(R"({"join":"lobby"})");
  REQUIRE(js.await_line(R"({"joined":"lobby","members":["ivan","jo","lena"]})"));

  // Both other protocols see the JSON user arrive and speak, in their own wording.
  REQUIRE(line.await_line("[lobby] *** jo joined"));
  REQUIRE(irc.await_line(":jo!jo@parley JOIN #lobby"));
  js.send_line(R"({"say":"hello from json"})");
  REQUIRE(line.await_line("[lobby] jo: hello from json"));
  REQUIRE(irc.await_line(":jo!jo@parley PRIVMSG #lobby :hello from json"));

  // And the JSON user sees theirs, as events.
  line.send_line("hi jo");
  REQUIRE(js.await_line(R"({"event":"[lobby] lena: hi jo"})"));
  irc.send_line("PRIVMSG #lobby :hi from irc");
  REQUIRE(js.await_line(R"({"event":"[lobby] ivan: hi from irc"})"));

  // The directory knows the JSON user like any other: WHOIS from IRC describes it.
  irc.send_line("WHOIS jo");
  REQUIRE(irc.await_line(":parley.local 311 ivan jo jo parley * jo"));
  REQUIRE(irc.await_line(":parley.local 319 ivan jo #lobby"));

  // Leaving: the others see the quit.
  js.disconnect();
  REQUIRE(line.await_line_starting("[lobby] *** jo quit"));
  REQUIRE(irc.await_line_starting(":jo!jo@parley QUIT"));
  caf::anon_send(json_listener, parley::shutdown_server{"test over"});
}
