// Tests of how `parley trace` shows a room's fan-out: a fan_out_bytes message followed by one
// write_many network event per rendering, naming every connection it went to.
#include <catch2/catch.hpp>

#include "tests/trace/trace_test_support.hpp"

using namespace parley::trace::test;

namespace {

// A room writes one line to connections 3, 5 and 7 at once (26 bytes each), and the
// connection actors 4 and 5 write 10 and 12 bytes of their own.
const std::string fan_out_trace =
  R"trace({"kind":"meta","format":"parley-trace","version":1,"clock":"virtual","source":"sim","seed":1}
{"seq":1,"t":1000,"kind":"actor","action":"start","name":"transport"}
{"seq":2,"t":2000,"kind":"message","from":"room/lobby","to":"transport","type":"fan_out_bytes","content":"fan_out_bytes([fan_out_part(text(\"[lobby] alice: hello all\\r\\n\"), \"3 connections\")], 0)","parent":0,"cause":2}
{"seq":3,"t":3000,"kind":"net","action":"write_many","conn":3,"conns":[3,5,7],"bytes":26,"parent":2,"cause":2}
{"seq":4,"t":4000,"kind":"net","action":"write","conn":4,"bytes":10,"parent":0,"cause":4}
{"seq":5,"t":5000,"kind":"net","action":"write","conn":5,"bytes":12,"parent":0,"cause":5}
)trace";

struct fan_out_fixture {
  scratch_dir dir;
  std::string path = dir.file("fan_out.jsonl");
  fan_out_fixture() { write_file(path, fan_out_trace); }
};

const std::string write_many_line = "#3 0.000003s net write_many conn/3 and 2 more, 26 bytes each\n";

} // namespace

TEST_CASE("a write_many event reads as its first connection and how many more",
          "[trace][show][write_many]") {
  fan_out_fixture f;
  auto r = run_trace({"show", f.path, "--seq", "3..3"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == write_many_line);
}

TEST_CASE("show --conn includes a write_many for every connection it names, and no other",
          "[trace][show][write_many]") {
  fan_out_fixture f;
  for (const char* conn : {"3", "7", "conn/7"}) {
    INFO("--conn " << conn);
    auto r = run_trace({"show", f.path, "--conn", conn});
    CHECK(r.code == 0);
    CHECK(r.out == write_many_line);
  }
  auto r = run_trace({"show", f.path, "--conn", "5"});
  CHECK(r.code == 0);
  CHECK(r.out == write_many_line + "#5 0.000005s net write conn/5 12 bytes\n");
  r = run_trace({"show", f.path, "--conn", "4"});
  CHECK(r.code == 0);
  CHECK(r.out == "#4 0.000004s net write conn/4 10 bytes\n");
  r = run_trace({"show", f.path, "--conn", "6"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  r = run_trace({"show", f.path, "--actor", "conn/7"});
  CHECK(r.out == write_many_line); // --actor conn/N sees the same network events
}

TEST_CASE("summary counts a write_many as one write per connection it names",
          "[trace][summary][write_many]") {
  fan_out_fixture f;
  auto r = run_trace({"summary", f.path});
  CHECK(r.code == 0);
  // 3 writes of 26 bytes from the fan-out, plus 10 and 12 bytes: 5 writes, 100 bytes.
  CHECK(r.out.find("\nnetwork: 0 accepts, 0 reads (0 bytes), 5 writes (100 bytes), 0 closes, "
                   "0 lost\n") != std::string::npos);
  CHECK(r.out.find("  fan_out_bytes  1\n") != std::string::npos);
}

TEST_CASE("a write_many may name a run of connections as [first,last]",
          "[trace][show][summary][write_many]") {
  scratch_dir dir;
  auto path = dir.file("runs.jsonl");
  write_file(path, R"trace({"kind":"meta","format":"parley-trace","version":1,"clock":"virtual","source":"sim","seed":1}
{"seq":1,"t":1000,"kind":"net","action":"write_many","conn":9,"conns":[2,[4,7],9],"bytes":10,"parent":0,"cause":1}
)trace");
  auto r = run_trace({"show", path, "--conn", "5"});
  CHECK(r.code == 0);
  CHECK(r.out == "#1 0.000001s net write_many conn/9 and 5 more, 10 bytes each\n");
  r = run_trace({"show", path, "--conn", "3"});
  CHECK(r.code == 1); // 3 is not in the run 4..7
  r = run_trace({"summary", path});
  CHECK(r.out.find("6 writes (60 bytes)") != std::string::npos);
}
