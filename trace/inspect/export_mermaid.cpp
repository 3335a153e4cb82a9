// `parley trace export --format mermaid`: a Mermaid sequenceDiagram, one participant per actor,
// one arrow per message and a note per network event, fault and crash. Past
// max_mermaid_arrows arrows a diagram is unreadable, so it refuses and asks for filters.
#include <map>
#include <sstream>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

constexpr std::size_t max_label = 80;
const std::string no_sender = "-";

// Text safe in a participant alias, message or note: on one line, with the characters Mermaid
// treats specially (#, ;, <, >) as its entity codes.
std::string mermaid_text(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    switch (c) {
      case '#': out += "#35;"; break;
      case ';': out += "#59;"; break;
      case '<': out += "#60;"; break;
      case '>': out += "#62;"; break;
      default: out += c;
    }
  }
  return out;
}

class participants {
public:
  void add(const std::string& name) {
    if (ids_.count(name))
      return;
    ids_[name] = "P" + std::to_string(order_.size() + 1);
    order_.push_back(name);
  }
  const std::string& id(const std::string& name) const { return ids_.at(name); }
  const std::vector<std::string>& names() const { return order_; }

  void declare(std::ostream& out) const {
    for (const auto& name : order_)
      out << "    participant " << id(name) << " as "
          << mermaid_text(name == no_sender ? "(no sender)" : name) << "\n";
  }

private:
  std::map<std::string, std::string> ids_;
  std::vector<std::string> order_;
};

// Where an event's note goes: the actor(s) it is about, or across the whole diagram.
std::string note_place(const event& e, const participants& p) {
  if (e.kind == event_kind::net)
    return p.id(conn_name(e));
  if (e.kind == event_kind::actor)
    return p.id(text_field(e, "name"));
  for (const auto& name : p.names())
    if (involves(e, name))
      return p.id(name);
  const auto& all = p.names();
  return all.size() == 1 ? p.id(all.front())
                         : p.id(all.front()) + "," + p.id(all.back());
}

bool drawn_as_note(const event& e) {
  return e.kind == event_kind::net || e.kind == event_kind::fault ||
         (e.kind == event_kind::actor && text_field(e, "action") == "crash");
}

participants collect(const std::vector<const event*>& events) {
  participants p;
  bool fault = false;
  for (const auto* e : events) {
    if (e->kind == event_kind::message) {
      p.add(e->from);
      p.add(e->to);
    } else if (e->kind == event_kind::net) {
      p.add(conn_name(*e));
    } else if (e->kind == event_kind::actor && drawn_as_note(*e)) {
      p.add(text_field(*e, "name"));
    }
    fault = fault || e->kind == event_kind::fault;
  }
  if (fault && p.names().empty())
    p.add("faults");
  return p;
}

std::string arrow_label(const event& e) {
  if (e.content.empty())
    return e.type;
  if (e.content.compare(0, e.type.size(), e.type) == 0)
    return shorten(e.content, max_label);
  return e.type + ": " + shorten(e.content, max_label);
}

} // namespace

std::string export_mermaid(const trace&, const std::vector<const event*>& events) {
  std::size_t arrows = 0;
  for (const auto* e : events)
    arrows += e->kind == event_kind::message ? 1 : 0;
  if (arrows > max_mermaid_arrows)
    throw trace_error("refusing to draw " + std::to_string(arrows) +
                      " arrows: a Mermaid diagram is limited to " +
                      std::to_string(max_mermaid_arrows) +
                      " messages. Narrow it with --actor, --conn, --room, --type, --seq, --time "
                      "or --limit, or use --format html or chrome");
  auto p = collect(events);
  std::ostringstream out;
  out << "sequenceDiagram\n";
  p.declare(out);
  for (const auto* e : events) {
    if (e->kind == event_kind::message) {
      out << "    " << p.id(e->from) << (is_response(*e) ? "-->>" : "->>") << p.id(e->to) << ": "
          << mermaid_text(arrow_label(*e)) << "\n";
    } else if (drawn_as_note(*e)) {
      out << "    Note over " << note_place(*e, p) << ": "
          << mermaid_text(shorten(event_text(*e), max_label)) << "\n";
    }
  }
  return out.str();
}

} // namespace parley::trace::inspect
