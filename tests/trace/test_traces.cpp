// Recording traces: every message type of the actors' typed interfaces shows up in the trace of
// a simulated run that exercises it (the list is taken from the interfaces themselves, so a new
// message type is covered without editing this test), the same seed records the same trace,
// and no password ever appears in one.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "caf/all.hpp"

#include "actors/listener.hpp"
#include "sim/client.hpp"
#include "sim/faults.hpp"
#include "sim/run.hpp"
#include "trace/tracer.hpp"

using namespace parley;
using namespace parley::sim;
using namespace std::chrono_literals;

namespace {

// The message type names an interface takes, rendered as the trace renders them.
template <class T>
std::string type_name_of() {
  auto r = caf::to_string(caf::make_message(T{}));
  return r.substr(1, r.find('(', 1) - 1);
}

template <class Sig> struct input_of;
template <class In, class Out>
struct input_of<caf::typed_mpi<caf::detail::type_list<In>, Out>> {
  using type = In;
};

template <class Handle> struct interface_types;
template <class... Sigs>
struct interface_types<caf::typed_actor<Sigs...>> {
  static std::set<std::string> names() { return {type_name_of<typename input_of<Sigs>::type>()...}; }
};

struct recorded {
  std::map<std::string, std::set<std::string>> types_by_receiver_kind; // "conn" -> {...}
  std::string text;
};

recorded read_trace(const std::string& path) {
  recorded r;
  std::ifstream in{path};
  std::string line;
  while (std::getline(in, line)) {
    r.text += line + "\n";
    auto j = nlohmann::json::parse(line);
    if (j["kind"] != "message")
      continue;
    auto to = j["to"].get<std::string>();
    r.types_by_receiver_kind[to.substr(0, to.find('/'))].insert(j["type"].get<std::string>());
  }
  return r;
}

// An IRC operator's session: channel administration, a capability change after joining (the
// room gets a new delivery route), a rename, away, a kill, and a burst of PINGs that flood
// control holds back.
void exercise_irc_operator(world& w) {
  client eve{w, "eve"};
  REQUIRE(eve.login("eve", "secret-e"));
  client boss{w, "boss"};
  boss.connect(irc_endpoint);
  boss.send_line("NICK boss");
  boss.send_line("USER boss 0 * :Boss");
  REQUIRE(boss.await_line_starting(":parley.local 001 boss"));
  std::string pings; // before OPER: operators are exempt from flood control
  for (int i = 0; i < 10; ++i)
    pings += "PING :p" + std::to_string(i) + "\r\n";
  boss.send_raw(pings);
  REQUIRE(boss.await_line(":parley.local PONG parley.local p9"));
  boss.send_line("OPER dave secret-d");
  REQUIRE(boss.await_line_starting(":parley.local 381 boss"));
  for (auto line : {"JOIN #lobby", "MODE boss +i", "CAP REQ :server-time", "MODE #lobby +m",
                    "MODE #lobby -m", "TOPIC #lobby :welcome",
                    "TOPIC #lobby", "INVITE eve #lobby", "KICK #lobby eve :out", "AWAY :gone",
                    "LUSERS", "WHOIS eve", "NICK boss2", "KILL eve :bye"})
    boss.send_line(line);
  REQUIRE(eve.await_line("ERROR disconnected by boss2: bye"));
  boss.disconnect();
}

// A run that exercises every command, bad input, login failures and timeouts, back-pressure,
// crashes and the shutdown, with the rarely sent messages sent directly.
void exercise_everything(const std::string& trace_path) {
  world* running = nullptr;
  trace::tracer t{trace_path, [&] { return running ? running->now().count() : 0; },
                  R"({"clock":"virtual","source":"test"})"};
  world_options o;
  o.server.tracer = &t;
  o.server.listener.connection.login_timeout_ms = 3000;
  o.server.listener.connection.failed_login_delay_ms = 100;
  o.server.irc_listener = o.server.listener; // an IRC client too: its idle checks
  o.server.irc_listener->connection.irc_ping_interval_ms = 2000;
  o.server.irc_listener->connection.irc_ping_timeout_ms = 2000;
  o.server.irc_listener->connection.irc_operators = {"dave"};
  o.server.irc_listener->connection.irc_flood_penalty_ms = 100; // a burst of PINGs waits
  o.server.irc_listener->connection.irc_flood_burst_ms = 300;
  world w{std::move(o)};
  running = &w;
  auto chaos = spawn_chaos(w.system(), w.server().directory, &t);
  // Messages nothing sends in an ordinary run (an operator's query, a shutdown's deadline timer
  // with no connection left to end), sent while no client is connected.
  caf::anon_send(w.server().listener, listener_stats{});
  caf::anon_send(w.server().listener, shutdown_deadline{});
  w.run_until(w.now() + 1s);
  client alice{w, "alice"}, bob{w, "bob"}, idle{w, "idle"}, dave{w, "dave"};
  REQUIRE(dave.login("dave", "secret-d")); // still connected at the shutdown
  client quiet{w, "quiet"}; // an IRC client that registers, then never answers a PING
  quiet.connect(irc_endpoint);
  quiet.send_line("NICK quiet");
  quiet.send_line("USER quiet 0 * :Quiet");
  REQUIRE(quiet.await_line_starting(":parley.local 001 quiet"));
  REQUIRE(alice.login("alice", "secret-a"));
  bob.connect();
  REQUIRE(bob.await_line("*** Name?"));
  bob.send_line("alice");
  REQUIRE(bob.await_line("*** Password for alice?"));
  bob.send_line("wrong-password");
  REQUIRE(bob.await_line("ERROR wrong password"));
  REQUIRE(bob.login("bob", "secret-b"));
  exercise_irc_operator(w);
  idle.connect();
  for (auto line : {"hello", "/me waves", "/who", "/rooms", "/msg bob hi", "/join games", "/part",
                    "/join lobby"})
    alice.send_line(line);
  std::string flood;
  for (int i = 0; i < 200; ++i)
    flood += "/who\r\n";
  bob.send_raw(flood);
  REQUIRE(idle.await_line("ERROR login timed out; goodbye"));
  REQUIRE(quiet.await_line("ERROR :Closing link: ping timeout"));
  w.run_until(w.now() + 5s);
  caf::anon_send(chaos, crash_room{"games"});
  caf::anon_send(chaos, crash_user{"bob"});
  w.run_until(w.now() + 5s);
  alice.disconnect();
  w.run_until(w.now() + 5s);
  caf::anon_send_exit(chaos, caf::exit_reason::user_shutdown);
  w.shutdown();
  running = nullptr;
}

} // namespace

TEST_CASE("every message type of every actor interface appears in the trace", "[trace]") {
  auto path = std::string{"trace-coverage.jsonl"};
  exercise_everything(path);
  auto r = read_trace(path);
  std::map<std::string, std::set<std::string>> expected{
    {"listener", interface_types<listener_actor>::names()},
    {"conn", interface_types<connection_actor>::names()},
    {"room", interface_types<room_actor>::names()},
    {"auth", interface_types<authenticator_actor>::names()},
    {"directory", interface_types<directory_actor>::names()},
    {"transport", interface_types<net::transport_actor>::names()},
  };
  // Both listeners serve listener_actor; only the IRC one sweeps for idle clients.
  for (const auto& type : r.types_by_receiver_kind["irc-listener"])
    r.types_by_receiver_kind["listener"].insert(type);
  for (const auto& [kind, types] : expected)
    for (const auto& type : types) {
      INFO(kind << " (or irc-listener) should have handled a " << type);
      CHECK(r.types_by_receiver_kind[kind].count(type) == 1);
    }
  CHECK(r.text.find("secret-a") == std::string::npos);
  CHECK(r.text.find("secret-b") == std::string::npos);
  CHECK(r.text.find("wrong-password") == std::string::npos);
  CHECK(r.text.find("secret-d") == std::string::npos);
  CHECK(r.text.find("<redacted") != std::string::npos);
}

TEST_CASE("the same seed records the same trace", "[trace]") {
  run_options o;
  o.seed = 77;
  o.clients = 6;
  o.duration = 30s;
  o.activity_per_minute = 60;
  o.trace_path = "trace-a.jsonl";
  auto a = run_simulation(o);
  o.trace_path = "trace-b.jsonl";
  auto b = run_simulation(o);
  CHECK(a.event_hash == b.event_hash);
  auto ta = read_trace("trace-a.jsonl").text;
  CHECK(ta.size() > 10000);
  CHECK(ta == read_trace("trace-b.jsonl").text);
}

TEST_CASE("every event's parent comes before it and names its cause", "[trace]") {
  run_options o;
  o.seed = 5;
  o.clients = 5;
  o.duration = 30s;
  o.activity_per_minute = 60;
  o.trace_path = "trace-causal.jsonl";
  run_simulation(o);
  std::ifstream in{o.trace_path};
  std::string line;
  std::map<std::uint64_t, std::uint64_t> cause_of;
  std::size_t with_parent = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("parent"))
      continue;
    auto seq = j["seq"].get<std::uint64_t>(), parent = j["parent"].get<std::uint64_t>();
    auto cause = j["cause"].get<std::uint64_t>();
    if (parent == 0) {
      CHECK(cause == seq);
    } else {
      ++with_parent;
      REQUIRE(cause_of.count(parent) == 1);
      CHECK(parent < seq);
      CHECK(cause == cause_of[parent]);
    }
    cause_of[seq] = cause;
  }
  CHECK(with_parent > 1000);
}

TEST_CASE("a room's fan-out is recorded as fan_out_bytes and a write_many naming each "
          "connection", "[trace]") {
  const std::string path = "trace-write-many.jsonl";
  std::uint64_t bob_id = 0, carol_id = 0;
  {
    world* running = nullptr;
    trace::tracer t{path, [&] { return running ? running->now().count() : 0; },
                    R"({"clock":"virtual","source":"test"})"};
    world_options o;
    o.server.tracer = &t;
    world w{std::move(o)};
    running = &w;
    client alice{w, "alice"}, bob{w, "bob"}, carol{w, "carol"};
    REQUIRE(alice.login("alice", "secret-a"));
    REQUIRE(bob.login("bob", "secret-b"));
    REQUIRE(carol.login("carol", "secret-c"));
    REQUIRE(alice.await_line("[lobby] *** carol joined"));
    REQUIRE(bob.await_line("[lobby] *** carol joined"));
    alice.send_line("hello both");
    REQUIRE(bob.await_line("[lobby] alice: hello both"));
    REQUIRE(carol.await_line("[lobby] alice: hello both"));
    bob_id = bob.id();
    carol_id = carol.id();
    w.shutdown();
    running = nullptr;
  }
  const std::string chat = "[lobby] alice: hello both\r\n";
  std::map<std::uint64_t, nlohmann::json> by_seq;
  std::vector<nlohmann::json> writes; // write_many events of the chat line
  std::ifstream in{path};
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("seq"))
      by_seq[j["seq"].get<std::uint64_t>()] = j;
    if (j["kind"] == "net" && j["action"] == "write_many" &&
        j["bytes"] == chat.size())
      writes.push_back(j);
  }
  REQUIRE(writes.size() == 1); // one event for both connections
  auto w = writes.front();
  std::set<std::uint64_t> conns;
  for (const auto& id : w["conns"]) { // a number, or a run of ids [first,last]
    if (id.is_array())
      for (auto n = id[0].get<std::uint64_t>(); n <= id[1].get<std::uint64_t>(); ++n)
        conns.insert(n);
    else
      conns.insert(id.get<std::uint64_t>());
  }
  CHECK(conns == std::set<std::uint64_t>{bob_id, carol_id});
  CHECK(conns.count(w["conn"].get<std::uint64_t>()) == 1); // "conn" is the first of them
  auto parent = by_seq.at(w["parent"].get<std::uint64_t>());
  CHECK(parent["kind"] == "message");
  CHECK(parent["type"] == "fan_out_bytes");
  CHECK(parent["to"] == "transport");
  CHECK(parent["from"] == "room/lobby");
  CHECK(parent["content"].get<std::string>().find("\"2 connections\"") != std::string::npos);
  // Nothing wrote the line to a connection on its own as well.
  for (const auto& [seq, j] : by_seq)
    if (j["kind"] == "message" && j["type"] == "write_bytes")
      CHECK(j["content"].get<std::string>().find("hello both") == std::string::npos);
}

TEST_CASE("write_many's connection lists: sorted, runs as [first,last], the same from the cache",
          "[trace]") {
  using ids = std::vector<std::uint64_t>;
  CHECK(trace::conns_json(ids{9, 2, 5, 4, 7, 6}) == "\"conns\":[2,[4,7],9]");
  CHECK(trace::conns_json(ids{}) == "\"conns\":[]");
  trace::conns_json_cache cache;
  // Lists that differ in one place, or only in order, each get their own right answer, and a
  // repeat gets the same text again; also once the cache has started afresh (64 lists).
  std::vector<ids> lists;
  for (std::uint64_t except = 1; except <= 80; ++except) {
    ids l;
    for (std::uint64_t id = 80; id >= 1; --id)
      if (id != except)
        l.push_back(id);
    lists.push_back(l);
  }
  lists.push_back(ids{3, 1, 2});
  lists.push_back(ids{1, 2, 3});
  for (int round = 0; round < 2; ++round)
    for (const auto& l : lists) {
      INFO("round " << round << ", " << l.size() << " ids");
      CHECK(cache.get(l) == trace::conns_json(l));
    }
}
