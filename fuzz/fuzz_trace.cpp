// Fuzz target: the trace reader (trace/inspect/reader; docs/traces.md), which `parley trace`
// runs on recordings that may be cut off, zero-padded or not traces at all. docs/fuzzing.md.
// Asserts:
//  - read_trace either returns a trace or throws trace_error (naming the input), nothing else:
//    no JSON type error or other exception escapes;
//  - a trace it returns holds what the inspector relies on: events with seq >= 1 strictly
//    increasing, each found by trace::find, a known kind, message events with their fields,
//    and the accessors (text_field, int_field, conns_of, conn_name) work on every event.
#include <sstream>

#include "fuzz/fuzz_check.hpp"
#include "trace/inspect/reader.hpp"

using namespace parley::trace::inspect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text{parley::fuzz::as_text(data, size)};
  std::istringstream in{text};
  std::ostringstream warnings;
  trace tr;
  try {
    tr = read_trace(in, "fuzz.trace", warnings);
  } catch (const trace_error& e) {
    FUZZ_CHECK(std::string{e.what()}.rfind("fuzz.trace:", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(tr.meta.fields.is_object() && !tr.meta.source.empty() && !tr.meta.clock.empty());
  std::uint64_t last = 0;
  for (const auto& e : tr.events) {
    FUZZ_CHECK(e.seq > last && e.line >= 2);
    last = e.seq;
    FUZZ_CHECK(tr.find(e.seq) == &e);
    FUZZ_CHECK(e.fields.is_object());
    if (e.kind == event_kind::message)
      FUZZ_CHECK(e.fields.at("type").get<std::string>() == e.type);
    text_field(e, "action");
    int_field(e, "conn");
    auto conns = conns_of(e);
    FUZZ_CHECK(conns.size() <= 1000000 * e.fields.value("conns", nlohmann::json::array()).size() + 1);
    conn_name(e);
    is_response(e);
  }
  FUZZ_CHECK(tr.find(last + 1) == nullptr);
  return 0;
}
