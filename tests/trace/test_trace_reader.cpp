// Tests of the trace reader and text helpers: the fixture traces load as docs/traces.md says,
// and every kind of bad input gives an error naming the file and line instead of a crash.
#include <catch2/catch.hpp>

#include <sstream>

#include "tests/trace/trace_test_support.hpp"
#include "trace/inspect/reader.hpp"
#include "trace/inspect/text.hpp"

using namespace parley::trace::inspect;
using parley::trace::test::fixture;

namespace {

const std::string meta_line =
  R"({"kind":"meta","format":"parley-trace","version":1,"clock":"virtual","source":"sim","seed":1})";

trace read_text(const std::string& text, std::ostream& warnings) {
  std::istringstream in(text);
  return read_trace(in, "mem.jsonl", warnings);
}

std::string error_of(const std::string& text) {
  std::ostringstream warnings;
  try {
    read_text(text, warnings);
  } catch (const trace_error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string read_error(const std::string& path) {
  std::ostringstream warnings;
  try {
    read_trace(path, warnings);
  } catch (const trace_error& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("the two-client fixture loads with its meta line and common fields", "[trace][reader]") {
  std::ostringstream warnings;
  auto tr = read_trace(fixture("two_clients.jsonl"), warnings);
  CHECK(warnings.str().empty());
  CHECK(tr.meta.source == "sim");
  CHECK(tr.meta.clock == "virtual");
  CHECK(tr.meta.seed == 42);
  REQUIRE(tr.events.size() == 42);
  const event* post = tr.find(27);
  REQUIRE(post);
  CHECK(post->kind == event_kind::message);
  CHECK(post->t == 1503000000);
  CHECK(post->from == "conn/1");
  CHECK(post->to == "room/lobby");
  CHECK(post->type == "post_line");
  CHECK(post->content == R"(post_line("alice", "hi", false))");
  CHECK(post->parent == 26);
  CHECK(post->cause == 25);
  CHECK(post->line == 28);
  CHECK(text_field(*tr.find(25), "data") == "hi\r\n");
  CHECK(tr.find(1)->cause == 1); // no parent: its own cause
  CHECK(tr.find(0) == nullptr);
  CHECK(tr.find(43) == nullptr);
}

TEST_CASE("bad trace files give an error naming the file and line", "[trace][reader]") {
  auto path = fixture("not_json.jsonl");
  CHECK(read_error(path) == path + ": line 5: not valid JSON (syntax error at column 67)");
  path = fixture("unknown_kind.jsonl");
  CHECK(read_error(path) ==
        path + ": line 4: unknown event kind \"telemetry\" (expected message, net, actor or fault)");
  path = fixture("missing_field.jsonl");
  CHECK(read_error(path) == path + ": line 5: a message event lacks the required field \"to\"");
  path = fixture("no_meta.jsonl");
  CHECK(read_error(path) ==
        path + ": line 1: not a meta line (a trace starts with "
               "{\"kind\":\"meta\",\"format\":\"parley-trace\",\"version\":1,...})");
  path = fixture("empty.jsonl");
  CHECK(read_error(path) == path + ": empty file (a trace starts with a meta line)");
  path = fixture("no_such_file.jsonl");
  CHECK(read_error(path) == path + ": cannot open (No such file or directory)");
  path = fixture("");
  CHECK(read_error(path) == path + ": is a directory, not a trace file");
}

TEST_CASE("a cut-off last line is skipped with a warning", "[trace][reader]") {
  std::ostringstream warnings;
  auto path = fixture("truncated.jsonl");
  auto tr = read_trace(path, warnings);
  CHECK(tr.events.size() == 7);
  CHECK(warnings.str() == path + ": line 9 is incomplete (the recording was cut off); ignored\n");

  SECTION("but a complete last line without a newline is read") {
    std::ostringstream w;
    auto t = read_text(meta_line + "\n" + R"({"seq":1,"t":0,"kind":"fault","fault":"x"})", w);
    CHECK(t.events.size() == 1);
    CHECK(w.str().empty());
  }
  SECTION("and a cut-off meta line leaves no trace") {
    CHECK(error_of(R"({"kind":"meta","form)") ==
          "mem.jsonl: the recording was cut off before its meta line was complete");
  }
}

TEST_CASE("the zero bytes after a recording that was not closed are ignored", "[trace][reader]") {
  // The recorder maps the file ahead of its lines: after a crash, zero bytes follow the last
  // line, maybe with a cut-off line before them.
  const std::string ev1 = R"({"seq":1,"t":0,"kind":"fault","fault":"x"})";
  const std::string ev2 = R"({"seq":2,"t":5,"kind":"fault","fault":"y"})";
  const std::string zeros(5000, '\0');
  SECTION("zeros right after a whole line") {
    std::ostringstream w;
    auto t = read_text(meta_line + "\n" + ev1 + "\n" + ev2 + "\n" + zeros, w);
    CHECK(t.events.size() == 2);
    CHECK(w.str() == "mem.jsonl: ends in 5000 zero bytes after line 3 (the recording was not "
                     "closed: a crash, or still recording); ignored\n");
  }
  SECTION("a cut-off line before the zeros") {
    std::ostringstream w;
    auto t = read_text(meta_line + "\n" + ev1 + "\n" + ev2.substr(0, 20) + zeros, w);
    CHECK(t.events.size() == 1);
    CHECK(w.str() == "mem.jsonl: line 3 is incomplete (the recording was cut off); ignored\n");
  }
  SECTION("a cut-off line with a gap of zeros inside") {
    std::ostringstream w;
    auto cut = ev2;
    cut[10] = '\0';
    auto t = read_text(meta_line + "\n" + ev1 + "\n" + cut.substr(0, 30) + zeros, w);
    CHECK(t.events.size() == 1);
    CHECK(w.str() == "mem.jsonl: line 3 is incomplete (the recording was cut off); ignored\n");
  }
  SECTION("a whole last line whose newline was not written yet") {
    std::ostringstream w;
    auto t = read_text(meta_line + "\n" + ev1 + "\n" + ev2 + zeros, w);
    CHECK(t.events.size() == 2);
    CHECK(w.str().empty());
  }
  SECTION("zeros where the meta line should be") {
    CHECK(error_of(zeros) == "mem.jsonl: the recording was cut off before its meta line was complete");
  }
}

TEST_CASE("the reader checks fields, order and the format version", "[trace][reader]") {
  auto with = [](const std::string& line) { return meta_line + "\n" + line + "\n"; };
  CHECK(error_of(with(R"({"seq":1,"t":0,"kind":"net","action":"read"})")) ==
        "mem.jsonl: line 2: a net event lacks the required field \"conn\"");
  CHECK(error_of(with(R"({"seq":1,"t":"soon","kind":"fault","fault":"x"})")) ==
        "mem.jsonl: line 2: field \"t\" must be an integer");
  CHECK(error_of(with(R"({"seq":-1,"t":0,"kind":"fault","fault":"x"})")) ==
        "mem.jsonl: line 2: field \"seq\" must be a non-negative integer");
  CHECK(error_of(with(R"({"seq":1,"t":0,"kind":"net","action":"peek","conn":1})")) ==
        "mem.jsonl: line 2: unknown net action \"peek\" (expected accept, read, write, write_many, "
        "close, lost)");
  CHECK(error_of(with(R"({"seq":1,"t":0,"kind":"actor","action":"start","name":7})")) ==
        "mem.jsonl: line 2: field \"name\" must be a string");
  CHECK(error_of(with(std::string{R"({"seq":2,"t":0,"kind":"fault","fault":"x"})"} + "\n" +
                      R"({"seq":2,"t":0,"kind":"fault","fault":"y"})")) ==
        "mem.jsonl: line 3: seq 2 after seq 2 (seq must strictly increase)");
  CHECK(error_of(with(meta_line)) ==
        "mem.jsonl: line 2: a second meta line (only the first line may be one)");
  CHECK(error_of(with("[1, 2]")) == "mem.jsonl: line 2: not a JSON object");
  // Found by fuzz_trace: a number too large for JSON's types threw out_of_range, which escaped.
  CHECK(error_of(with(R"({"seq":1e999,"t":0,"kind":"fault","fault":"x"})")) ==
        "mem.jsonl: line 2: not valid JSON (a number out of range)");
  CHECK(error_of(meta_line + "\n\n" + R"({"seq":1,"t":0,"kind":"fault","fault":"x"})" + "\n") ==
        "mem.jsonl: line 2: empty line");
  CHECK(error_of(R"({"kind":"meta","format":"parley-trace","version":2})") ==
        "mem.jsonl: line 1: unsupported trace version 2 (this inspector reads version 1)");
}

TEST_CASE("times, durations and text helpers", "[trace][text]") {
  CHECK(format_seconds(1503000000) == "1.503000s");
  CHECK(format_seconds(0) == "0.000000s");
  CHECK(format_seconds(-1500) == "-0.000001s");
  CHECK(parse_duration("1.5s") == 1500000000);
  CHECK(parse_duration("200ms") == 200000000);
  CHECK(parse_duration("250us") == 250000);
  CHECK(parse_duration("1500") == 1500);
  CHECK(parse_duration("10ns") == 10);
  CHECK(parse_duration("2m") == 120000000000);
  CHECK(parse_duration(".5s") == 500000000);
  CHECK_FALSE(parse_duration("1.5h"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("99999999999999999999"));
  CHECK(quote("hi\r\n\"x\"\\") == R"("hi\r\n\"x\"\\")");
  CHECK(one_line("a\nb\x01") == R"(a\nb\x01)");
  CHECK(shorten("abcdef", 6) == "abcdef");
  CHECK(shorten("abcdefg", 6) == "abc...");
  CHECK(shorten("ab\xC3\xA9z", 6) == "ab\xC3\xA9z");
  CHECK(shorten("ab\xC3\xA9xyz", 6) == "ab..."); // not inside the é
  CHECK(natural_less("conn/2", "conn/10"));
  CHECK_FALSE(natural_less("conn/10", "conn/2"));
  CHECK(natural_less("auth", "conn/1"));
  CHECK(mentions_error_line(R"(write_bytes(2, "ERROR usage: /join ROOM\r\n"))"));
  CHECK(mentions_error_line(R"(write_bytes(2, "*** ok\r\nERROR no\r\n"))"));
  CHECK_FALSE(mentions_error_line(R"(deliver_text("[lobby] bob: ERROR in my code\r\n"))"));
  CHECK_FALSE(mentions_error_line(R"(write_bytes(2, "ERRORS\r\n"))"));
}
