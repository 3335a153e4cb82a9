// The TCP transport (net/tcp_transport.cpp) under load, through the live server
// (tests/support/live_server.hpp) and line-protocol clients over loopback: a socket stays
// readable after a burst, the read buffer grows and shrinks without losing input, a flood is
// read under back-pressure and answered in order, and a client that stops reading is dropped
// once its unsent output exceeds the bound. Exact lines, in order; nothing sleeps but the one
// wait for the transport's own sweep timer.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/live_server.hpp"

using namespace std::chrono_literals;
using namespace parley::test::live;
using parley::test::tcp_client;

TEST_CASE("a burst of lines handled at once leaves the connection readable", "[live]") {
  // Regression: 40 lines in one read make the connection pause reading (32 queued) and, having
  // handled them all at once, resume. With CAF 0.17.6 a halt() followed at once by a trigger()
  // loses the trigger; the transport now re-triggers, so this socket must stay readable.
  live_server srv;
  line_user alice{srv, "alice"};
  const std::string blank_lines(40, '\n');
  for (int round = 0; round < 50; ++round) {
    INFO("round " << round);
    alice.send(blank_lines);
    alice.send_line("/who");
    alice.expect_line("*** Members of lobby (1): alice", 2s);
  }
  std::string usage_errors;
  for (int i = 0; i < 40; ++i)
    usage_errors += "/who x\r\n";
  for (int round = 0; round < 50; ++round) {
    INFO("round " << round);
    alice.send(usage_errors);
    for (int i = 0; i < 40; ++i)
      alice.expect_line("ERROR usage: /who", 2s);
    alice.send_line("/who");
    alice.expect_line("*** Members of lobby (1): alice", 2s);
  }
}

TEST_CASE("input arrives intact while the read buffer grows for bursts and shrinks back",
          "[live]") {
  // The transport reads a quiet client in 128-byte chunks, switches to 4 KiB chunks when a read
  // fills one, and goes back (freeing the big buffer) on a short read after a sweep interval
  // without big reads. Each switch happens between two reads of the same socket.
  fixture_options opts;
  opts.buffer_sweep_interval_ms = 20;
  live_server srv{opts};
  line_user alice{srv, "alice"}, bob{srv, "bob", {&alice}};
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    std::string burst;
    for (int i = 0; i < 30; ++i)
      burst += "burst " + std::to_string(round) + "." + std::to_string(i) + " " +
               std::string(100, 'a' + round) + "\r\n";
    alice.send(burst); // about 3.5 KiB in one write: big reads
    for (int i = 0; i < 30; ++i)
      bob.expect_line("[lobby] alice: burst " + std::to_string(round) + "." + std::to_string(i) +
                      " " + std::string(100, 'a' + round));
    // Real time, not synchronisation: the live transport's sweep runs on its own timer, and
    // only a sweep that saw no big read lets the next short read shrink the buffer.
    std::this_thread::sleep_for(100ms);
    for (int i = 0; i < 3; ++i) {
      alice.send_line("short " + std::to_string(round) + "." + std::to_string(i));
      bob.expect_line("[lobby] alice: short " + std::to_string(round) + "." + std::to_string(i));
    }
  }
}

TEST_CASE("a flood of pipelined lines is answered in order", "[live]") {
  // Far more lines than the connection queues (32) arrive in few reads: reading pauses and
  // resumes (back-pressure), and every line is still handled, in order.
  live_server srv;
  line_user alice{srv, "alice"}, bob{srv, "bob", {&alice}};
  const std::string who = "*** Members of lobby (2): alice bob";
  const int n = 2000;
  std::string burst;
  for (int i = 0; i < n; ++i)
    burst += "flood " + std::to_string(i) + "\r\n/who\r\n";
  alice.send(burst);
  for (int i = 0; i < n; ++i) {
    INFO("line " << i);
    alice.expect_line(who);
    bob.expect_line("[lobby] alice: flood " + std::to_string(i));
  }
  alice.send_line("/rooms");
  alice.expect_line("*** Rooms: lobby (2)");
  bob.send_line("/who");
  bob.expect_line(who);
}

namespace {

/// alice, bob and carol in the lobby; bob (a small receive buffer) stops reading and alice
/// talks until the server drops bob as too slow. alice sends 8 lines per round trip, far below
/// the 64 KiB bound, so the drop comes only once bob's socket is really full (and her own input
/// never queues up far enough to pause reading). Returns how many lines alice sent.
int talk_until_bob_is_dropped(tcp_client& alice, tcp_client& carol, const std::string& chat) {
  const std::string quit = "[lobby] *** bob quit (output queue overflow (client too slow))";
  const std::string text = chat.substr(std::string{"[lobby] alice: "}.size());
  int sent = 0;
  for (int batch = 0; batch < 20000; ++batch) {
    std::string burst;
    for (int i = 0; i < 8; ++i)
      burst += text + "\r\n";
    burst += "/who\r\n";
    alice.send(burst);
    sent += 8;
    std::vector<std::string> before;
    auto reply = alice.read_until_prefix("*** Members of lobby (", 5s, &before);
    bool dropped = false;
    for (const auto& l : before) {
      REQUIRE(l == quit);
      dropped = true;
    }
    REQUIRE(reply == (dropped ? "*** Members of lobby (2): alice carol"
                              : "*** Members of lobby (3): alice bob carol"));
    for (int i = 0; i < 8; ++i) {
      auto line = carol.read_line();
      if (line == quit)
        line = carol.read_line();
      REQUIRE(line == chat);
    }
    if (dropped)
      return sent;
  }
  FAIL("bob was never dropped");
  return sent;
}

struct slow_reader_setup {
  static fixture_options options() {
    fixture_options opts;
    opts.max_output_bytes = 64 * 1024;
    return opts;
  }

  live_server srv{options()};
  line_user alice{srv, "alice"};
  line_user bob{srv, "bob", {&alice}, 4096}; // a small receive buffer fills up sooner
  line_user carol{srv, "carol", {&alice, &bob}};
  const std::string chat = "[lobby] alice: " + std::string(500, 'o');
  int sent = talk_until_bob_is_dropped(alice, carol, chat);
};

} // namespace

TEST_CASE("a client that stops reading is dropped once its output exceeds the bound", "[live]") {
  slow_reader_setup s;
  INFO("bob was dropped after alice sent " << s.sent << " lines");
  auto st = s.srv.stats();
  CHECK(st.open_connections == 2);
  // What reached bob is the start of the room's output (possibly cut off mid-line, since the
  // queue was discarded), then the end of the stream.
  auto rest = s.bob.read_rest_until_closed();
  const std::string wire = s.chat + "\r\n";
  std::size_t whole = rest.size() / wire.size();
  INFO("bob got " << whole << " whole lines");
  CHECK(whole < static_cast<std::size_t>(s.sent));
  for (std::size_t i = 0; i < whole; ++i)
    REQUIRE(rest.compare(i * wire.size(), wire.size(), wire) == 0);
  auto tail = rest.substr(whole * wire.size());
  CHECK(wire.compare(0, tail.size(), tail) == 0);
}
