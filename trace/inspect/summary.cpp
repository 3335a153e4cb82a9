// `parley trace summary FILE`: what a recording holds at a glance: its source, span, actors,
// message types, network totals, faults, crashes and errors.
#include <algorithm>
#include <map>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/reader.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

constexpr std::size_t errors_listed = 5;

struct by_natural_order {
  bool operator()(const std::string& a, const std::string& b) const { return natural_less(a, b); }
};

struct actor_counts {
  std::size_t received = 0, sent = 0;
};

struct totals {
  std::map<std::string, actor_counts, by_natural_order> actors;
  std::map<std::string, std::size_t> types;
  std::size_t messages = 0;
  std::map<std::string, std::size_t> net_count; ///< by action
  std::map<std::string, std::int64_t> net_bytes; ///< by action
  std::vector<const event*> faults, crashes, errors;
};

std::int64_t byte_count(const event& e) {
  if (auto bytes = int_field(e, "bytes"))
    return *bytes;
  return static_cast<std::int64_t>(text_field(e, "data").size());
}

void count_message(const event& e, totals& t) {
  ++t.messages;
  ++t.types[e.type];
  if (e.from != "-")
    ++t.actors[e.from].sent;
  ++t.actors[e.to].received;
  if (e.type == "error" || mentions_error_line(e.content))
    t.errors.push_back(&e);
}

totals collect(const trace& tr) {
  totals t;
  for (const auto& e : tr.events) {
    switch (e.kind) {
      case event_kind::message:
        count_message(e, t);
        break;
      case event_kind::net:
        if (text_field(e, "action") == "write_many") {
          // One fan-out: counted as the writes it makes, one per connection.
          auto n = conns_of(e).size();
          t.net_count["write"] += n;
          t.net_bytes["write"] += byte_count(e) * static_cast<std::int64_t>(n);
        } else {
          ++t.net_count[text_field(e, "action")];
          t.net_bytes[text_field(e, "action")] += byte_count(e);
        }
        break;
      case event_kind::actor:
        t.actors[text_field(e, "name")];
        if (text_field(e, "action") == "crash")
          t.crashes.push_back(&e);
        break;
      case event_kind::fault:
        t.faults.push_back(&e);
        break;
    }
  }
  return t;
}

void write_header(const trace& tr, std::ostream& out) {
  const auto& m = tr.meta;
  out << "trace: " << tr.path << "\n";
  out << "source: " << m.source << ", clock: " << m.clock;
  if (m.seed)
    out << ", seed: " << *m.seed;
  out << "\n";
  if (tr.events.empty()) {
    out << "events: 0\n";
    return;
  }
  const auto& first = tr.events.front();
  const auto& last = tr.events.back();
  out << "events: " << tr.events.size() << " (seq " << first.seq << ".." << last.seq << ")\n";
  out << "time span: " << format_seconds(first.t) << " .. " << format_seconds(last.t) << " ("
      << format_seconds(last.t - first.t) << ")\n";
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

void write_actors(const totals& t, std::ostream& out) {
  out << "\nactors (" << t.actors.size() << "):\n";
  std::size_t width = 0;
  for (const auto& [name, counts] : t.actors)
    width = std::max(width, name.size());
  for (const auto& [name, counts] : t.actors)
    out << "  " << pad(name, width) << "  received " << counts.received << ", sent "
        << counts.sent << "\n";
}

void write_types(const totals& t, std::ostream& out) {
  std::vector<std::pair<std::string, std::size_t>> types(t.types.begin(), t.types.end());
  std::stable_sort(types.begin(), types.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  out << "\nmessages by type (" << t.messages << " messages):\n";
  std::size_t width = 0;
  for (const auto& [type, n] : types)
    width = std::max(width, type.size());
  for (const auto& [type, n] : types)
    out << "  " << pad(type, width) << "  " << n << "\n";
}

void write_network(const totals& t, std::ostream& out) {
  auto n = [&](const char* action) {
    auto i = t.net_count.find(action);
    return i == t.net_count.end() ? std::size_t{0} : i->second;
  };
  auto bytes = [&](const char* action) {
    auto i = t.net_bytes.find(action);
    return i == t.net_bytes.end() ? std::int64_t{0} : i->second;
  };
  out << "\nnetwork: " << n("accept") << " accepts, " << n("read") << " reads (" << bytes("read")
      << " bytes), " << n("write") << " writes (" << bytes("write") << " bytes), " << n("close")
      << " closes, " << n("lost") << " lost\n";
}

void write_list(const char* title, const std::vector<const event*>& events, std::size_t max,
                std::ostream& out) {
  if (events.empty()) {
    out << title << ": none\n";
    return;
  }
  out << title << " (" << events.size() << "):\n";
  for (std::size_t i = 0; i < events.size() && i < max; ++i)
    out << "  " << event_line(*events[i]) << "\n";
  if (events.size() > max)
    out << "  ... and " << events.size() - max << " more\n";
}

} // namespace

void write_summary(const trace& tr, std::ostream& out) {
  auto t = collect(tr);
  write_header(tr, out);
  write_actors(t, out);
  write_types(t, out);
  write_network(t, out);
  write_list("faults", t.faults, t.faults.size(), out);
  write_list("actor crashes", t.crashes, t.crashes.size(), out);
  write_list("errors", t.errors, errors_listed, out);
}

int run_summary(const std::string& file, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    write_summary(read_trace(file, err), out);
    return exit_ok;
  });
}

} // namespace parley::trace::inspect
