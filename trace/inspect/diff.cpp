// `parley trace diff A B`: where two recordings (say, two runs of one seed) first part ways.
// Events are compared by kind and time and, for messages, sender, receiver, type and content;
// other events by all their fields. Sequence numbers and parent/cause links are ignored.
#include <algorithm>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/reader.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

constexpr std::size_t context_events = 3;

nlohmann::json comparable(const event& e) {
  if (e.kind == event_kind::message)
    return {{"kind", "message"}, {"t", e.t},       {"from", e.from},
            {"to", e.to},        {"type", e.type}, {"content", e.content}};
  auto j = e.fields;
  for (const char* link : {"seq", "parent", "cause"})
    j.erase(link);
  return j;
}

std::string side(const trace& tr, std::size_t i) {
  return i < tr.events.size() ? event_line(tr.events[i]) : "(end of trace)";
}

} // namespace

bool write_diff(const trace& a, const trace& b, std::ostream& out) {
  auto n = std::min(a.events.size(), b.events.size());
  std::size_t i = 0;
  while (i < n && comparable(a.events[i]) == comparable(b.events[i]))
    ++i;
  if (i == n && a.events.size() == b.events.size()) {
    out << "identical (" << n << " events)\n";
    return true;
  }
  out << "first divergence at event " << i + 1;
  if (i == a.events.size())
    out << ": A ended after " << i << " events (B has " << b.events.size() << ")";
  else if (i == b.events.size())
    out << ": B ended after " << i << " events (A has " << a.events.size() << ")";
  out << "\n";
  for (auto k = i > context_events ? i - context_events : 0; k < i; ++k)
    out << "  " << event_line(a.events[k]) << "\n";
  out << "A " << side(a, i) << "\n";
  out << "B " << side(b, i) << "\n";
  return false;
}

int run_diff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    auto ta = read_trace(a, err);
    auto tb = read_trace(b, err);
    return write_diff(ta, tb, out) ? exit_ok : exit_differs;
  });
}

} // namespace parley::trace::inspect
