// Tests of `parley trace summary|show|follow|diff` through the command line, with the exact
// output and exit status for the fixture traces.
#include <catch2/catch.hpp>

#include "tests/trace/trace_test_support.hpp"

using namespace parley::trace::test;

TEST_CASE("summary of the two-client trace", "[trace][summary]") {
  auto path = fixture("two_clients.jsonl");
  auto r = run_trace({"summary", path});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "trace: " + path + R"(
source: sim, clock: virtual, seed: 42
events: 42 (seq 1..42)
time span: 0.000000s .. 2.502000s (2.502000s)

actors (5):
  conn/1      received 6, sent 5
  conn/2      received 5, sent 5
  listener    received 2, sent 0
  room/lobby  received 4, sent 6
  transport   received 6, sent 0

messages by type (23 messages):
  write_bytes          6
  bytes_received       4
  deliver_text         3
  connection_accepted  2
  join_room            2
  join_room_result     2
  connection_lost      1
  leave_room           1
  post_line            1
  post_line_result     1

network: 2 accepts, 4 reads (23 bytes), 6 writes (179 bytes), 0 closes, 1 lost
faults: none
actor crashes: none
errors (1):
  #34 2.000000s conn/2 -> transport write_bytes(2, "ERROR usage: /join ROOM\r\n")
)");
}

TEST_CASE("summary lists faults, crashes and errors", "[trace][summary]") {
  auto path = fixture("faults.jsonl");
  auto r = run_trace({"summary", path});
  CHECK(r.code == 0);
  CHECK(r.out == "trace: " + path + R"(
source: sim, clock: virtual, seed: 7
events: 8 (seq 1..8)
time span: 0.000000s .. 5.002000s (5.002000s)

actors (4):
  conn/4      received 1, sent 1
  directory   received 1, sent 0
  room/lobby  received 0, sent 2
  transport   received 1, sent 0

messages by type (3 messages):
  down_msg     1
  error        1
  write_bytes  1

network: 0 accepts, 0 reads (0 bytes), 0 writes (0 bytes), 1 closes, 0 lost
faults (1):
  #3 5.000000s fault crash-room lobby
actor crashes (1):
  #4 5.000000s actor crash room/lobby: error("injected fault")
errors (2):
  #6 5.001000s room/lobby -> conn/4 error("request_receiver_down")
  #7 5.001000s conn/4 -> transport write_bytes(4, "*** ok\r\nERROR the room is gone\r\n")
)");
}

TEST_CASE("bad input exits 2 with the error, a cut-off line only warns", "[trace][summary]") {
  for (const char* name : {"empty.jsonl", "not_json.jsonl", "unknown_kind.jsonl",
                           "no_meta.jsonl", "missing_field.jsonl", "absent.jsonl"}) {
    auto r = run_trace({"summary", fixture(name)});
    INFO(name);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("error: " + fixture(name) + ": ", 0) == 0);
  }
  auto r = run_trace({"summary", fixture("truncated.jsonl")});
  CHECK(r.code == 0);
  CHECK(r.err == fixture("truncated.jsonl") +
                   ": line 9 is incomplete (the recording was cut off); ignored\n");
  CHECK(r.out.find("events: 7 (seq 1..7)\n") != std::string::npos);
}

TEST_CASE("show prints one line per event, filtered", "[trace][show]") {
  auto path = fixture("two_clients.jsonl");

  SECTION("by connection, with a limit") {
    auto r = run_trace({"show", path, "--conn", "1", "--limit", "8"});
    CHECK(r.code == 0);
    CHECK(r.out == R"(#4 0.100000s net accept conn/1 from sim:1
#6 0.100000s actor start conn/1
#10 1.000000s net read conn/1 7 bytes "alice\r\n"
#11 1.000000s - -> conn/1 bytes_received(1, "alice\r\n")
#12 1.001000s conn/1 -> room/lobby join_room("alice")
#13 1.002000s room/lobby -> conn/1 join_room_result(["alice"])
#14 1.002000s conn/1 -> transport write_bytes(1, "*** You are in lobby (1 member: alice).\r\n")
#15 1.003000s net write conn/1 41 bytes "*** You are in lobby (1 member: alice).\r\n"
)");
    CHECK(r.err == "(8 of 19 matching events shown; raise --limit to see more)\n");
  }
  SECTION("by room and time") {
    auto r = run_trace({"show", path, "--room", "lobby", "--time", "1.5s..1600ms"});
    CHECK(r.code == 0);
    CHECK(r.out == R"(#27 1.503000s conn/1 -> room/lobby post_line("alice", "hi", false)
#28 1.504000s room/lobby -> conn/2 deliver_text("[lobby] alice: hi\r\n")
#29 1.504000s room/lobby -> conn/1 post_line_result()
)");
  }
  SECTION("by repeated type and a sequence range") {
    auto r = run_trace({"show", "--type", "post_line", "--type", "deliver_text", path,
                        "--seq", "21..30"});
    CHECK(r.code == 0);
    CHECK(r.out == R"(#27 1.503000s conn/1 -> room/lobby post_line("alice", "hi", false)
#28 1.504000s room/lobby -> conn/2 deliver_text("[lobby] alice: hi\r\n")
)");
  }
  SECTION("by actor, with net events of its connection") {
    auto r = run_trace({"show", path, "--actor", "conn/2", "--seq", "32..", "--time", "..2.001s"});
    CHECK(r.out == R"(#32 2.000000s net read conn/2 7 bytes "/join\r\n"
#33 2.000000s - -> conn/2 bytes_received(2, "/join\r\n")
#34 2.000000s conn/2 -> transport write_bytes(2, "ERROR usage: /join ROOM\r\n")
#35 2.001000s net write conn/2 25 bytes "ERROR usage: /join ROOM\r\n"
)");
  }
  SECTION("nothing found exits 1, bad filters 2") {
    auto r = run_trace({"show", path, "--type", "nope"});
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == path + ": no events match the filters\n");
    r = run_trace({"show", path, "--seq", "5..x"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: bad value for --seq: \"5..x\" (expected A..B, A.. or ..B with sequence "
                   "numbers A <= B)\n");
    CHECK(run_trace({"show", path, "--time", "1.5h.."}).code == 2);
    CHECK(run_trace({"show", path, "--conn", "conn/x"}).code == 2);
  }
}

TEST_CASE("follow prints the causal chain root first", "[trace][follow]") {
  auto path = fixture("two_clients.jsonl");
  auto r = run_trace({"follow", path, "31"});
  CHECK(r.code == 0);
  CHECK(r.out == R"(#25 1.502000s net read conn/1 4 bytes "hi\r\n"
#26 1.502000s - -> conn/1 bytes_received(1, "hi\r\n")
#27 1.503000s conn/1 -> room/lobby post_line("alice", "hi", false)
#28 1.504000s room/lobby -> conn/2 deliver_text("[lobby] alice: hi\r\n")
#30 1.504000s conn/2 -> transport write_bytes(2, "[lobby] alice: hi\r\n")
#31 1.505000s net write conn/2 19 bytes "[lobby] alice: hi\r\n"
)");
  r = run_trace({"follow", path, "#25"});
  CHECK(r.code == 0);
  CHECK(r.out == "#25 1.502000s net read conn/1 4 bytes \"hi\\r\\n\"\n");

  r = run_trace({"follow", path, "99"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == path + ": there is no event #99 (the events are #1..42)\n");
  r = run_trace({"follow", path, "last"});
  CHECK(r.code == 2);
  CHECK(r.err == "error: bad SEQ \"last\" (expected an event number like 41)\n");
}

TEST_CASE("diff finds the first divergence", "[trace][diff]") {
  auto a = fixture("two_clients.jsonl");

  SECTION("identical traces") {
    auto r = run_trace({"diff", a, a});
    CHECK(r.code == 0);
    CHECK(r.out == "identical (42 events)\n");
  }
  SECTION("one changed event, with context") {
    auto r = run_trace({"diff", a, fixture("two_clients_changed.jsonl")});
    CHECK(r.code == 1);
    CHECK(r.out == R"(first divergence at event 28
  #25 1.502000s net read conn/1 4 bytes "hi\r\n"
  #26 1.502000s - -> conn/1 bytes_received(1, "hi\r\n")
  #27 1.503000s conn/1 -> room/lobby post_line("alice", "hi", false)
A #28 1.504000s room/lobby -> conn/2 deliver_text("[lobby] alice: hi\r\n")
B #28 1.504000s room/lobby -> conn/2 deliver_text("[lobby] alice: hi!\r\n")
)");
  }
  SECTION("a prefix: which trace ended first") {
    scratch_dir dir;
    auto text = read_file(a);
    std::size_t end = 0;
    for (int line = 0; line < 3; ++line) // the meta line and events 1..2
      end = text.find('\n', end) + 1;
    write_file(dir.file("short.jsonl"), text.substr(0, end));
    auto r = run_trace({"diff", dir.file("short.jsonl"), a});
    CHECK(r.code == 1);
    CHECK(r.out == R"(first divergence at event 3: A ended after 2 events (B has 42)
  #1 0.000000s actor start transport
  #2 0.000000s actor start listener
A (end of trace)
B #3 0.000000s actor start room/lobby
)");
  }
  SECTION("sequence numbers and links are ignored, times are not") {
    scratch_dir dir;
    auto text = read_file(a);
    auto renumbered = text;
    for (std::size_t at = 0; (at = renumbered.find("\"seq\":", at)) != std::string::npos; at += 6)
      renumbered.insert(at + 6, "1"); // seq 1 -> 11, 12 -> 112, ...: still increasing
    write_file(dir.file("renumbered.jsonl"), renumbered);
    CHECK(run_trace({"diff", a, dir.file("renumbered.jsonl")}).out == "identical (42 events)\n");
    auto later = text;
    later.replace(later.find("\"t\":2502000000"), 14, "\"t\":2502000001");
    write_file(dir.file("later.jsonl"), later);
    auto r = run_trace({"diff", a, dir.file("later.jsonl")});
    CHECK(r.out.rfind("first divergence at event 42\n", 0) == 0);
  }
  SECTION("a bad trace exits 2") {
    auto r = run_trace({"diff", a, fixture("unknown_kind.jsonl")});
    CHECK(r.code == 2);
    CHECK(r.err.rfind("error: " + fixture("unknown_kind.jsonl") + ": line 4: ", 0) == 0);
  }
}
