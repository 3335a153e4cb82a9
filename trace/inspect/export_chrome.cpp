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
constexpr double slice_us = 1.0; ///< the longest a slice is drawn

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

// Slice lengths: up to slice_us, but never past the next slice on the same track, so slices
// never partly overlap (which trace viewers reject).
std::map<std::uint64_t, double> slice_lengths(const std::vector<const event*>& events) {
  std::map<std::uint64_t, double> dur;
  std::map<std::string, std::int64_t> next_t;
  for (auto i = events.rbegin(); i != events.rend(); ++i) {
    const auto& e = **i;
    if (!is_slice(e))
      continue;
    auto track = track_of(e);
    auto next = next_t.find(track);
    double d = slice_us;
    if (next != next_t.end())
      d = std::clamp(micros(next->second) - micros(e.t), 0.0, slice_us);
    dur[e.seq] = d;
    next_t[track] = e.t;
  }
  return dur;
}

json event_json(const event& e, int tid, double dur) {
  json j{{"pid", 1}, {"tid", tid}, {"ts", micros(e.t)}, {"cat", kind_name(e.kind)}, {"args", e.fields}};
  if (e.kind == event_kind::message) {
    j["name"] = e.type;
  } else if (e.kind == event_kind::net) {
    j["name"] = "net " + text_field(e, "action");
  } else {
    j["name"] = event_text(e);
    j["ph"] = "i";
    j["s"] = e.kind == event_kind::fault ? "g" : "t";
    return j;
  }
  j["ph"] = "X";
  j["dur"] = dur;
  return j;
}

// The two halves of the arrow from `parent` to `child` (ids: the child's seq).
void add_flow(const event& parent, int parent_tid, const event& child, int child_tid,
              json& out) {
  json start{{"ph", "s"}, {"name", "caused"},   {"cat", "flow"}, {"id", child.seq},
             {"pid", 1},  {"tid", parent_tid}, {"ts", micros(parent.t)}};
  json finish{{"ph", "f"}, {"bp", "e"},       {"name", "caused"}, {"cat", "flow"},
              {"id", child.seq}, {"pid", 1}, {"tid", child_tid},  {"ts", micros(child.t)}};
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
  auto dur = slice_lengths(events);
  std::map<std::uint64_t, const event*> exported;
  for (const auto* e : events)
    exported[e->seq] = e;
  json body = json::array();
  for (const auto* e : events) {
    int tid = t.tid(track_of(*e));
    body.push_back(event_json(*e, tid, is_slice(*e) ? dur[e->seq] : 0.0));
    auto parent = exported.find(e->parent);
    if (e->parent != 0 && parent != exported.end() && is_slice(*parent->second) && is_slice(*e))
      add_flow(*parent->second, t.tid(track_of(*parent->second)), *e, tid, body);
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
