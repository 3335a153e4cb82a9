// `parley trace export --format chrome`: Chrome trace event JSON for Perfetto (ui.perfetto.dev,
// offline too) or chrome://tracing. One track per actor, named by thread_name metadata; each
// handled message and network event is a short slice on its actor's track; flow arrows lead from
// each event to the events it caused (parent -> child); lifecycle events and faults are instants.
#include <algorithm>
#include <map>
#include <set>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

using json = nlohmann::json;
constexpr double slice_us = 1.0; ///< how long a slice is drawn (the events are instants)

class tracks {
public:
  int tid(const std::string& name) {
    auto [i, added] = tids_.emplace(name, static_cast<int>(names_.size()) + 1);
    if (added)
      names_.push_back(name);
    return i->second;
  }
  const std::vector<std::string>& names() const { return names_; }

private:
  std::map<std::string, int> tids_;
  std::vector<std::string> names_;
};

std::string track_of(const event& e) {
  switch (e.kind) {
    case event_kind::message: return e.to;
    case event_kind::net: return conn_name(e);
    case event_kind::actor: return text_field(e, "name");
    case event_kind::fault: break;
  }
  return "faults";
}

bool is_slice(const event& e) {
  return e.kind == event_kind::message || e.kind == event_kind::net;
}

double micros(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Where each slice starts: at its event's time, or just after the previous slice on the same
// track if that one is still open (events at the same virtual time). Slices thus never overlap,
// which trace viewers require, and each flow end lies inside its slice.
std::map<std::uint64_t, double> slice_starts(const std::vector<const event*>& events) {
  std::map<std::uint64_t, double> start;
  std::map<std::string, double> track_end;
  for (const auto* e : events) {
    if (!is_slice(*e))
      continue;
    auto [end, added] = track_end.emplace(track_of(*e), micros(e->t));
    double at = added ? micros(e->t) : std::max(micros(e->t), end->second);
    start[e->seq] = at;
    end->second = at + slice_us;
  }
  return start;
}

json event_json(const event& e, int tid, double start) {
  json j{{"pid", 1}, {"tid", tid}, {"cat", kind_name(e.kind)}, {"args", e.fields}};
  if (!is_slice(e)) {
    j["name"] = event_text(e);
    j["ph"] = "i";
    j["s"] = e.kind == event_kind::fault ? "g" : "t";
    j["ts"] = micros(e.t);
    return j;
  }
  j["name"] = e.kind == event_kind::message ? e.type : "net " + text_field(e, "action");
  j["ph"] = "X";
  j["ts"] = start;
  j["dur"] = slice_us;
  return j;
}

// The two halves of the arrow from the slice of `parent` to that of `child`, each in the middle
// of its slice (ids: the child's seq).
void add_flow(std::uint64_t child_seq, int parent_tid, double parent_start, int child_tid,
              double child_start, json& out) {
  json start{{"ph", "s"}, {"name", "caused"},   {"cat", "flow"},
             {"id", child_seq}, {"pid", 1}, {"tid", parent_tid},
             {"ts", parent_start + slice_us / 2}};
  json finish{{"ph", "f"}, {"bp", "e"},        {"name", "caused"}, {"cat", "flow"},
              {"id", child_seq}, {"pid", 1}, {"tid", child_tid},
              {"ts", child_start + slice_us / 2}};
  out.push_back(std::move(start));
  out.push_back(std::move(finish));
}

json metadata(const trace& tr, const tracks& t) {
  std::string process = "parley " + tr.meta.source;
  if (tr.meta.seed)
    process += " seed " + std::to_string(*tr.meta.seed);
  json out = json::array();
  out.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"tid", 0},
                 {"args", {{"name", process}}}});
  for (std::size_t i = 0; i < t.names().size(); ++i) {
    int tid = static_cast<int>(i) + 1;
    out.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", tid},
                   {"args", {{"name", t.names()[i]}}}});
    out.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 1}, {"tid", tid},
                   {"args", {{"sort_index", tid}}}});
  }
  return out;
}

} // namespace

std::string export_chrome(const trace& tr, const std::vector<const event*>& events) {
  tracks t;
  auto start = slice_starts(events);
  json body = json::array();
  for (const auto* e : events) {
    int tid = t.tid(track_of(*e));
    body.push_back(event_json(*e, tid, is_slice(*e) ? start[e->seq] : 0.0));
    auto parent = start.find(e->parent);
    if (e->parent == 0 || parent == start.end() || !is_slice(*e))
      continue; // no parent among the exported slices
    const event* p = tr.find(e->parent);
    add_flow(e->seq, t.tid(track_of(*p)), parent->second, tid, start[e->seq], body);
  }
  std::string out = "{\"displayTimeUnit\":\"ms\",\"otherData\":" +
                    tr.meta.fields.dump(-1, ' ', false, json::error_handler_t::replace) +
                    ",\"traceEvents\":[\n";
  auto meta = metadata(tr, t);
  bool first = true;
  for (const auto* list : {&meta, &body})
    for (const auto& j : *list) {
      out += (first ? "" : ",\n") + j.dump(-1, ' ', false, json::error_handler_t::replace);
      first = false;
    }
  return out + "\n]}\n";
}

} // namespace parley::trace::inspect
