// Tests of `parley trace export`: Mermaid (arrows, notes, escaping, the 500-arrow limit),
// Chrome trace JSON (tracks, slices, flow arrows) and self-contained HTML (no URLs, every
// event embedded, </script> in data harmless).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/trace/trace_test_support.hpp"
#include "trace/inspect/commands.hpp"

using namespace parley::trace::test;
using nlohmann::json;

namespace {

const std::string meta_line =
  R"({"kind":"meta","format":"parley-trace","version":1,"clock":"monotonic","source":"live"})";

std::string message_line(int seq, const std::string& to, const std::string& content) {
  json j{{"seq", seq},   {"t", seq * 1000}, {"kind", "message"}, {"from", "conn/1"},
         {"to", to},     {"type", "say"},   {"content", content}, {"parent", 0},
         {"cause", seq}};
  return j.dump() + "\n";
}

// The JSON embedded in an exported page.
json embedded_data(const std::string& html) {
  const std::string open = R"(<script type="application/json" id="trace-data">)";
  auto start = html.find(open);
  REQUIRE(start != std::string::npos);
  start += open.size();
  auto end = html.find("</script>", start);
  REQUIRE(end != std::string::npos);
  return json::parse(html.substr(start, end - start));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("mermaid export: participants, one arrow per message, notes", "[trace][export]") {
  auto r = run_trace({"export", fixture("two_clients.jsonl"), "--format", "mermaid"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("sequenceDiagram\n    participant P1 as conn/1\n", 0) == 0);
  CHECK(r.out.find("    participant P2 as (no sender)\n") != std::string::npos);
  CHECK(r.out.find("    participant P5 as room/lobby\n") != std::string::npos);
  CHECK(count_lines_starting(r.out, "    P") == 23); // the message events
  CHECK(count(r.out, "-->>") == 3);                 // responses are dashed
  CHECK(count_lines_starting(r.out, "    Note over ") == 13); // net events
  CHECK(r.out.find("    P1->>P5: post_line(\"alice\", \"hi\", false)\n") != std::string::npos);
  CHECK(r.out.find("    Note over P1: net read conn/1 4 bytes \"hi\\r\\n\"\n") !=
        std::string::npos);

  auto faults = run_trace({"export", fixture("faults.jsonl"), "--format", "mermaid"});
  CHECK(faults.out.find("    Note over P1: fault crash-room lobby\n") != std::string::npos);
  CHECK(faults.out.find("    Note over P1: actor crash room/lobby: error(\"injected fault\")\n") !=
        std::string::npos);

  SECTION("with filters") {
    auto f = run_trace({"export", fixture("two_clients.jsonl"), "--format", "mermaid", "--type",
                        "join_room"});
    CHECK(f.out == "sequenceDiagram\n"
                   "    participant P1 as conn/1\n"
                   "    participant P2 as room/lobby\n"
                   "    participant P3 as conn/2\n"
                   "    P1->>P2: join_room(\"alice\")\n"
                   "    P3->>P2: join_room(\"bob\")\n");
  }
}

TEST_CASE("mermaid export escapes what Mermaid would misread", "[trace][export]") {
  scratch_dir dir;
  write_file(dir.file("t.jsonl"),
             meta_line + "\n" + message_line(1, "room/a;b", "say(\"#1 <b>; x\nend\")"));
  auto r = run_trace({"export", dir.file("t.jsonl"), "--format", "mermaid"});
  CHECK(r.out == "sequenceDiagram\n"
                 "    participant P1 as conn/1\n"
                 "    participant P2 as room/a#59;b\n"
                 "    P1->>P2: say(\"#35;1 #60;b#62;#59; x\\nend\")\n");
}

TEST_CASE("mermaid export refuses more than 500 arrows", "[trace][export]") {
  scratch_dir dir;
  std::string text = meta_line + "\n";
  for (int seq = 1; seq <= 501; ++seq)
    text += message_line(seq, "room/lobby", "say(" + std::to_string(seq) + ")");
  write_file(dir.file("big.jsonl"), text);
  auto r = run_trace({"export", dir.file("big.jsonl"), "--format", "mermaid"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "error: refusing to draw 501 arrows: a Mermaid diagram is limited to 500 "
                 "messages. Narrow it with --actor, --conn, --room, --type, --seq, --time or "
                 "--limit, or use --format html or chrome\n");
  auto limited = run_trace({"export", dir.file("big.jsonl"), "--format", "mermaid", "--limit",
                            "500"});
  CHECK(limited.code == 0);
  CHECK(count_lines_starting(limited.out, "    P1->>P2: ") == 500);
}

TEST_CASE("chrome export: tracks, slices and flow arrows", "[trace][export]") {
  scratch_dir dir;
  write_file(dir.file("two.jsonl"), read_file(fixture("two_clients.jsonl")));
  auto r = run_trace({"export", dir.file("two.jsonl"), "--format", "chrome"});
  CHECK(r.code == 0);
  CHECK(r.out == "wrote " + dir.file("two.json") + " (42 events)\n");
  auto doc = json::parse(read_file(dir.file("two.json")));
  const auto& events = doc.at("traceEvents");

  std::map<int, std::string> track_names;
  std::map<std::string, std::set<std::string>> flow_ends; // id -> {"s", "f"}
  std::map<int, std::vector<std::pair<double, double>>> slices; // tid -> [start, end)
  for (const auto& e : events) {
    auto ph = e.at("ph").get<std::string>();
    if (ph == "M" && e.at("name") == "thread_name")
      track_names[e.at("tid").get<int>()] = e.at("args").at("name");
    if (ph == "s" || ph == "f") {
      flow_ends[e.at("id").dump()].insert(ph);
      CHECK((ph == "s" || e.at("bp") == "e"));
    }
    if (ph == "X") {
      double ts = e.at("ts"), dur = e.at("dur");
      slices[e.at("tid").get<int>()].emplace_back(ts, ts + dur);
    }
  }
  std::set<std::string> names;
  for (const auto& [tid, name] : track_names)
    names.insert(name);
  CHECK(names == std::set<std::string>{"transport", "listener", "room/lobby", "conn/1", "conn/2"});
  CHECK(flow_ends.size() == 29); // every message and net event with a parent
  for (const auto& [id, ends] : flow_ends)
    CHECK(ends == std::set<std::string>{"s", "f"});
  for (auto& [tid, list] : slices) // slices on one track never overlap
    for (std::size_t i = 1; i < list.size(); ++i)
      CHECK(list[i].first >= list[i - 1].second);

  auto post = std::find_if(events.begin(), events.end(),
                           [](const json& e) { return e.value("name", "") == "post_line"; });
  REQUIRE(post != events.end());
  CHECK(post->at("ph") == "X");
  CHECK(post->at("ts").get<double>() == 1503000.0); // microseconds
  CHECK(track_names.at(post->at("tid").get<int>()) == "room/lobby");
  CHECK(post->at("args").at("seq") == 27);
}

TEST_CASE("html export: self-contained, with every event embedded", "[trace][export]") {
  scratch_dir dir;
  write_file(dir.file("two.jsonl"), read_file(fixture("two_clients.jsonl")));
  auto r = run_trace({"export", dir.file("two.jsonl"), "--format", "html"});
  CHECK(r.code == 0);
  auto html = read_file(dir.file("two.html"));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<title>Parley trace: two.jsonl</title>") != std::string::npos);
  auto data = embedded_data(html);
  REQUIRE(data.at("events").size() == 42);
  for (std::size_t i = 0; i < 42; ++i)
    CHECK(data["events"][i]["e"]["seq"] == i + 1);
  CHECK(data["events"][26]["e"]["content"] == R"(post_line("alice", "hi", false))");
  CHECK(data["events"][26]["text"] == R"(conn/1 -> room/lobby post_line("alice", "hi", false))");

  SECTION("data cannot close the script element") {
    std::string evil = "say(\"</script><script>alert(1)</script><!-- & \u2028\")";
    write_file(dir.file("evil.jsonl"), meta_line + "\n" + message_line(1, "room/x", evil));
    auto e = run_trace({"export", dir.file("evil.jsonl"), "--format", "html", "-o",
                        dir.file("evil.html")});
    CHECK(e.code == 0);
    auto page = read_file(dir.file("evil.html"));
    CHECK(count(page, "</script>") == 2); // the data's and the code's own
    CHECK(page.find("<!--") == std::string::npos);
    CHECK(embedded_data(page)["events"][0]["e"]["content"] == evil);
  }
}

TEST_CASE("export output paths", "[trace][export]") {
  using parley::trace::inspect::default_export_path;
  CHECK(default_export_path("runs/seed7.jsonl", "chrome") == "runs/seed7.json");
  CHECK(default_export_path("runs/seed7.jsonl", "html") == "runs/seed7.html");
  CHECK(default_export_path("trace", "html") == "trace.html");
  CHECK(default_export_path("runs/seed7.jsonl", "mermaid") == "-");

  scratch_dir dir;
  write_file(dir.file("t.json"), read_file(fixture("faults.jsonl")));
  auto r = run_trace({"export", dir.file("t.json"), "--format", "chrome"});
  CHECK(r.code == 2);
  CHECK(r.err == "error: refusing to overwrite the trace " + dir.file("t.json") +
                   " itself: choose -o OUT\n");
  r = run_trace({"export", dir.file("t.json"), "--format", "html", "-o", "-"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(run_trace({"export", dir.file("t.json"), "--format", "svg"}).code > 100); // CLI11 error
}
