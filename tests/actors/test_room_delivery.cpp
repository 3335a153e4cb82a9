// A room that writes its events straight to the transport (add_member::route, hold_fan_out,
// set_delivery_route): one real room actor on CAF's testing scheduler, with fake members and a
// fake transport that record what reaches them. Nothing sleeps: every test runs the scheduler
// until it is idle.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "caf/scheduler/test_coordinator.hpp"

#include "actors/room.hpp"

using namespace parley;

namespace {

/// What a fake transport received.
struct transport_log {
  std::vector<net::fan_out_bytes> fan_outs;
  std::vector<net::write_bytes> writes;
  /// Everything in arrival order: "conn 3: TEXT" for a write, "fan-out: TEXT -> 1 3" per part
  /// (a fan-out's parts sorted), "hold 3" and "release 3".
  std::vector<std::string> order;
};

net::transport_actor::behavior_type fake_transport(net::transport_actor::pointer,
                                                   std::shared_ptr<transport_log> log) {
  return {
    [](net::listen_on&) -> net::listen_on_result { return {}; },
    [](net::attach_connection&) {},
    [log](net::write_bytes& x) {
      log->writes.push_back(x);
      log->order.push_back("conn " + std::to_string(x.id) + ": " + x.data.str());
    },
    [log](net::fan_out_bytes& x) {
      log->fan_outs.push_back(x);
      std::vector<std::string> parts; // sorted: the order of parts is no promise
      for (const auto& p : x.parts) {
        std::string ids;
        p.for_each_recipient([&](net::connection_id id) { ids += " " + std::to_string(id); });
        parts.push_back("fan-out: " + p.data.str() + " ->" + ids);
      }
      std::sort(parts.begin(), parts.end());
      log->order.insert(log->order.end(), parts.begin(), parts.end());
    },
    [log](net::hold_fan_out& x) { log->order.push_back("hold " + std::to_string(x.id)); },
    [log](net::release_fan_out& x) { log->order.push_back("release " + std::to_string(x.id)); },
    [](net::set_reading&) {},
    [](net::close_connection&) {},
    [](net::stop_transport&) -> net::stop_transport_result { return {}; },
  };
}

/// A member's connection that only records what the room sends it.
member_actor::behavior_type fake_member(member_actor::pointer,
                                        std::shared_ptr<std::vector<deliver_text>> got) {
  return {
    [got](deliver_text& x) { got->push_back(x); },
    [](member_removed&) {},
    [](end_session&) {},
    [](describe_member&) { return describe_member_result{}; },
  };
}

room_registry_actor::behavior_type quiet_registry(room_registry_actor::pointer) {
  return {[](room_population&) {}};
}

/// 2023-11-14T22:13:20.123Z in milliseconds since the Unix epoch.
constexpr std::int64_t wall_ms = 1700000000123;
const std::string wall_text = "2023-11-14T22:13:20.123Z";

struct member {
  member_actor handle;
  std::shared_ptr<std::vector<deliver_text>> got;
};

/// One room "lobby" on the testing scheduler, a fake transport and fake members.
struct room_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<transport_log> log = std::make_shared<transport_log>();
  net::transport_actor transport;
  room_registry_actor registry;
  room_actor room;
  std::map<std::string, member> members;
  std::vector<caf::actor> others; ///< more actors to end with the fixture

  room_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    transport = sys->spawn(fake_transport, log);
    registry = sys->spawn(quiet_registry);
    room = spawn_room(*sys, "lobby", registry);
    sched->run();
  }

  ~room_fixture() {
    // Every actor ends before the system goes (the testing scheduler would wait forever).
    caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
    for (auto& [name, m] : members)
      caf::anon_send_exit(m.handle, caf::exit_reason::user_shutdown);
    for (auto& a : others)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    sched->run();
  }

  /// The room's clock in milliseconds (the virtual time of the testing scheduler).
  std::int64_t clock_ms() {
    auto since = sched->clock().now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
  }

  /// `name` joins; with a route (a transport), the room writes its events itself.
  member& join(const std::string& name, const std::string& account = {},
               delivery_route route = {}) {
    auto got = std::make_shared<std::vector<deliver_text>>();
    auto handle = sys->spawn(fake_member, got);
    auto& m = members[name] = member{handle, got};
    caf::anon_send(room, add_member{name, handle, name + "!" + name + "@parley", {}, account,
                                    std::move(route)});
    sched->run();
    return m;
  }

  /// A route on the fake transport; IRC routes show wall_ms as their time.
  delivery_route route(net::connection_id conn, render_style style, bool server_time = false,
                       bool account_tag = false, bool away_notify = false) {
    delivery_route r;
    r.transport = transport;
    r.conn = conn;
    r.style = style;
    r.server_time = server_time;
    r.account_tag = account_tag;
    r.away_notify = away_notify;
    r.wall_clock_offset_ms = wall_ms - clock_ms();
    return r;
  }

  /// The member's own connection changes its rendering (as an IRC CAP REQ does).
  void set_route(const std::string& name, delivery_route r) {
    caf::send_as(members.at(name).handle, room, set_delivery_route{name, std::move(r)});
    sched->run();
  }

  member& join_routed(const std::string& name, delivery_route r,
                      const std::string& account = {}) {
    return join(name, account, std::move(r));
  }

  void post(const std::string& sender, const std::string& text) {
    caf::anon_send(room, post_line{sender, text, line_kind::say, {}, {}});
    sched->run();
  }

  /// Forgets what the transport and the members received so far.
  void clear() {
    log->fan_outs.clear();
    log->writes.clear();
    log->order.clear();
    for (auto& [name, m] : members)
      m.got->clear();
  }
};

/// A fan-out's parts as rendering -> connections (sorted): the order of parts is no promise.
std::map<std::string, std::set<net::connection_id>> parts_of(const net::fan_out_bytes& x) {
  std::map<std::string, std::set<net::connection_id>> out;
  for (const auto& p : x.parts) {
    INFO("rendering: " << p.data.str());
    CHECK(out.count(p.data.str()) == 0); // one part per rendering
    auto& ids = out[p.data.str()];
    p.for_each_recipient([&](net::connection_id id) { ids.insert(id); });
  }
  return out;
}

using parts_map = std::map<std::string, std::set<net::connection_id>>;

} // namespace

TEST_CASE("a room sends one fan_out_bytes per event, one part per rendering",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("alice", f.route(1, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.join_routed("carol", f.route(3, render_style::irc, true));
  f.join_routed("dave", f.route(4, render_style::irc, false, false, true));
  f.join_routed("fred", f.route(6, render_style::line));
  f.clear();

  f.post("sam", "hello there");

  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(f.log->writes.empty());
  const auto& out = f.log->fan_outs.front();
  CHECK(out.once == 0);
  CHECK(parts_of(out) ==
        parts_map{{"[lobby] sam: hello there\r\n", {1, 6}},
                  {":sam!sam@parley PRIVMSG #lobby :hello there\r\n", {2, 4}},
                  {"@time=" + wall_text + " :sam!sam@parley PRIVMSG #lobby :hello there\r\n",
                   {3}}});
  for (const auto& [name, m] : f.members) {
    INFO(name << " has a route: no deliver_text");
    CHECK(m.got->empty());
  }
}

TEST_CASE("a room leaves the sender out of its own line's fan-out", "[actors][room][route]") {
  room_fixture f;
  f.join_routed("alice", f.route(1, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.clear();
  f.post("alice", "only bob hears this");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":alice!alice@parley PRIVMSG #lobby :only bob hears this\r\n", {2}}});
  f.clear();
  f.post("bob", "and only alice this");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{"[lobby] bob: and only alice this\r\n", {1}}});
}

TEST_CASE("a room tags IRC lines with the sender's account only for account-tag routes",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::irc), "sam");
  f.join_routed("anon", f.route(6, render_style::irc)); // an anonymous IRC nick: no account
  f.join_routed("bob", f.route(2, render_style::irc));
  f.join_routed("carol", f.route(3, render_style::irc, false, true));
  f.join_routed("dave", f.route(4, render_style::irc, true, true));
  f.clear();

  f.post("sam", "signed line");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :signed line\r\n", {2, 6}},
                  {"@account=sam :sam!sam@parley PRIVMSG #lobby :signed line\r\n", {3}},
                  {"@time=" + wall_text + ";account=sam :sam!sam@parley PRIVMSG #lobby :signed "
                   "line\r\n",
                   {4}}});
  f.clear();

  f.post("anon", "nobody vouches");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":anon!anon@parley PRIVMSG #lobby :nobody vouches\r\n", {2, 3, 5}},
                  {"@time=" + wall_text + " :anon!anon@parley PRIVMSG #lobby :nobody vouches\r\n",
                   {4}}});
}

TEST_CASE("a room's server-time tag follows its clock plus the route's wall-clock offset",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("carol", f.route(3, render_style::irc, true));
  f.clear();
  f.sched->clock().advance_time(std::chrono::milliseconds{1500}); // the room's clock moves on
  f.sched->run();
  f.post("sam", "later");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{"@time=2023-11-14T22:13:21.623Z :sam!sam@parley PRIVMSG #lobby :later\r\n",
                   {3}}});
}

TEST_CASE("a member without a route gets deliver_text, the routed ones the fan-out",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("alice", f.route(1, render_style::line));
  auto& erin = f.join("erin");
  f.clear();

  f.post("sam", "hi all");

  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) == parts_map{{"[lobby] sam: hi all\r\n", {1}}});
  REQUIRE(erin.got->size() == 1);
  CHECK(erin.got->front().line.str() == "[lobby] sam: hi all\r\n");
  CHECK(erin.got->front().irc.str() == ":sam!sam@parley PRIVMSG #lobby :hi all\r\n");
  CHECK(f.members.at("alice").got->empty());
}

TEST_CASE("an away event reaches only IRC routes with away-notify, never a line route",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::irc));
  f.join_routed("alice", f.route(1, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.join_routed("carol", f.route(3, render_style::irc, false, false, true));
  f.join_routed("dave", f.route(4, render_style::irc, true, false, true));
  f.clear();

  caf::anon_send(f.room, set_away{"sam", "out to lunch", 7});
  f.sched->run();

  REQUIRE(f.log->fan_outs.size() == 1);
  const auto& out = f.log->fan_outs.front();
  CHECK(out.once == 7);
  CHECK(parts_of(out) ==
        parts_map{{":sam!sam@parley AWAY :out to lunch\r\n", {3}},
                  {"@time=" + wall_text + " :sam!sam@parley AWAY :out to lunch\r\n", {4}}});
}

TEST_CASE("an away event for routes without away-notify sends no fan-out at all",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::irc));
  f.join_routed("alice", f.route(1, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.clear();
  caf::anon_send(f.room, set_away{"sam", "gone", 8});
  f.sched->run();
  for (const auto& x : f.log->fan_outs)
    CHECK(x.parts.empty()); // an empty message would be harmless, but nobody gets a line
  CHECK(f.log->writes.empty());
}

TEST_CASE("a route change sent by another actor, or for another connection, is ignored",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("erin", f.route(2, render_style::irc));
  auto& frank = f.join("frank"); // no route: the room never writes to frank's connection
  // A stale connection of the same name (or any other actor) tries to change erin's route.
  auto stranger = f.sys->spawn(fake_member, std::make_shared<std::vector<deliver_text>>());
  f.others.push_back(caf::actor_cast<caf::actor>(stranger));
  caf::send_as(stranger, f.room,
               set_delivery_route{"erin", f.route(2, render_style::irc, true)});
  caf::send_as(stranger, f.room,
               set_delivery_route{"erin", f.route(7, render_style::irc, true)});
  // erin's own connection names another connection; frank's asks for a route only now.
  f.set_route("erin", f.route(8, render_style::irc, true));
  f.set_route("frank", f.route(9, render_style::line));
  f.clear();

  f.post("sam", "unchanged");

  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :unchanged\r\n", {2}}});
  REQUIRE(frank.got->size() == 1);
  CHECK(frank.got->front().line.str() == "[lobby] sam: unchanged\r\n");
}

TEST_CASE("after rename_member the member's route still works under the new name",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.join_routed("carol", f.route(3, render_style::irc));
  f.clear();

  caf::anon_send(f.room, rename_member{"bob", "robert", "robert!robert@parley", 11});
  f.sched->run();
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(f.log->fan_outs.front().once == 11);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{"[lobby] *** bob is now robert\r\n", {5}},
                  {":bob!bob@parley NICK robert\r\n", {3}}});
  f.clear();

  f.post("sam", "hello robert");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :hello robert\r\n", {2, 3}}});
  CHECK(f.members.at("bob").got->empty()); // bob's connection: nothing through the mailbox
  f.clear();

  // The connection re-routes under its new name (a CAP REQ after the NICK): that works too.
  caf::send_as(f.members.at("bob").handle, f.room,
               set_delivery_route{"robert", f.route(2, render_style::irc, true)});
  f.sched->run();
  f.post("sam", "tagged now");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :tagged now\r\n", {3}},
                  {"@time=" + wall_text + " :sam!sam@parley PRIVMSG #lobby :tagged now\r\n",
                   {2}}});
}

TEST_CASE("a route sent again replaces the old one (an IRC CAP REQ)", "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("carol", f.route(3, render_style::irc, true));
  f.set_route("carol", f.route(3, render_style::irc)); // CAP REQ :-server-time
  f.clear();
  f.post("sam", "plain again");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :plain again\r\n", {3}}});
}

TEST_CASE("a quit carries its once id in fan_out_bytes", "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::irc));
  f.join_routed("alice", f.route(1, render_style::line));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.clear();
  caf::anon_send(f.room, remove_member{"sam", leave_kind::quit, "bye now", 42});
  f.sched->run();
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(f.log->fan_outs.front().once == 42);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{"[lobby] *** sam quit (bye now)\r\n", {1}},
                  {":sam!sam@parley QUIT :bye now\r\n", {2}}});
}

TEST_CASE("members on two transports get one fan_out_bytes each", "[actors][room][route]") {
  room_fixture f;
  auto other_log = std::make_shared<transport_log>();
  auto other = f.sys->spawn(fake_transport, other_log);
  f.others.push_back(caf::actor_cast<caf::actor>(other));
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("alice", f.route(1, render_style::line));
  auto r = f.route(8, render_style::line);
  r.transport = other;
  f.join_routed("bob", r);
  f.join_routed("carol", f.route(3, render_style::irc));
  f.clear();
  other_log->fan_outs.clear(); // carol's join
  f.post("sam", "both sides");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{"[lobby] sam: both sides\r\n", {1}},
                  {":sam!sam@parley PRIVMSG #lobby :both sides\r\n", {3}}});
  REQUIRE(other_log->fan_outs.size() == 1);
  CHECK(parts_of(other_log->fan_outs.front()) == parts_map{{"[lobby] sam: both sides\r\n", {8}}});
}

TEST_CASE("a room puts a routed joiner's connection on hold before its later fan-outs",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.clear();
  f.join_routed("carol", f.route(3, render_style::irc));
  f.join("frank"); // no route: no hold
  f.post("sam", "welcome");
  // The others hear of carol's join; then her connection is held (until it has written the
  // join's own lines and releases it: the connection's part, not the room's), before anything
  // the room writes to it.
  CHECK(f.log->order ==
        std::vector<std::string>{"fan-out: [lobby] *** carol joined\r\n -> 5", "hold 3",
                                 "fan-out: :frank!frank@parley JOIN #lobby\r\n -> 3",
                                 "fan-out: [lobby] *** frank joined\r\n -> 5",
                                 "fan-out: :sam!sam@parley PRIVMSG #lobby :welcome\r\n -> 3"});
}

TEST_CASE("an echo-message line goes back to its IRC sender in the room's fan-out",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("alice", f.route(1, render_style::irc, true));
  f.join_routed("bob", f.route(2, render_style::irc));
  f.join_routed("lena", f.route(3, render_style::line));
  f.join("ivan"); // IRC, no route: its connection writes its echo itself
  auto post = [&](const std::string& sender, const std::string& text) {
    auto result = std::make_shared<post_line_result>();
    f.sys->spawn([room = f.room, result, sender, text](caf::event_based_actor* self) {
      self->request(room, caf::infinite, post_line{sender, text, line_kind::say, {}, {}, true})
        .then([result](post_line_result& r) { *result = r; });
    });
    f.sched->run();
    return result->echoed;
  };
  f.clear();

  CHECK(post("alice", "echo me"));
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs.front()) ==
        parts_map{{":alice!alice@parley PRIVMSG #lobby :echo me\r\n", {2}},
                  {"@time=" + wall_text + " :alice!alice@parley PRIVMSG #lobby :echo me\r\n", {1}},
                  {"[lobby] alice: echo me\r\n", {3}}});
  f.clear();

  CHECK_FALSE(post("lena", "no echo on the line protocol"));
  REQUIRE(f.log->fan_outs.size() == 1);
  for (const auto& p : f.log->fan_outs.front().parts)
    p.for_each_recipient([](net::connection_id id) { CHECK(id != 3); });
  f.clear();

  CHECK_FALSE(post("ivan", "echoed by my connection"));
  CHECK(f.members.at("ivan").got->empty());
}

TEST_CASE("a room's fan-outs follow every join, leave and route change between lines, and "
          "share one connection list while nothing changes",
          "[actors][room][route]") {
  room_fixture f;
  f.join_routed("sam", f.route(5, render_style::line));
  f.join_routed("carol", f.route(3, render_style::irc));
  f.clear();
  f.post("sam", "one");
  f.post("sam", "two");
  REQUIRE(f.log->fan_outs.size() == 2);
  CHECK(parts_of(f.log->fan_outs[1]) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :two\r\n", {3}}});
  // The same list object: the room did no work per member for the second line.
  CHECK(f.log->fan_outs[0].parts.at(0).ids == f.log->fan_outs[1].parts.at(0).ids);

  f.join_routed("dave", f.route(7, render_style::irc));
  f.clear();
  f.post("sam", "three");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs[0]) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :three\r\n", {3, 7}}});

  f.set_route("carol", f.route(3, render_style::irc, true)); // CAP REQ :server-time
  f.clear();
  f.post("dave", "four");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs[0]) ==
        parts_map{{"[lobby] dave: four\r\n", {5}},
                  {"@time=" + wall_text + " :dave!dave@parley PRIVMSG #lobby :four\r\n", {3}}});

  caf::anon_send(f.room, remove_member{"carol", leave_kind::part, "", 0});
  f.sched->run();
  f.clear();
  f.post("sam", "five");
  REQUIRE(f.log->fan_outs.size() == 1);
  CHECK(parts_of(f.log->fan_outs[0]) ==
        parts_map{{":sam!sam@parley PRIVMSG #lobby :five\r\n", {7}}});
}
