// Coverage of the swarm (see coverage.hpp).
#include "sim/coverage.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "caf/all.hpp"

#include "actors/listener.hpp"
#include "actors/connection_shell.hpp"
#include "actors/server.hpp"
#include "net/transport.hpp"
#include "sessions/irc/irc_session.hpp"
#include "sessions/line/line_session.hpp"
#include "sim/faults.hpp"
#include "sim/oracle.hpp"
#include "trace/tracer.hpp"

namespace parley::sim::coverage {

// --- The universe, from the typed actor handles ---

namespace {

// The name a message type renders with (its inspect's type_name): what message_type() reads
// back from a handled message. A default value is rendered, so every message type must be
// default-constructible, as CAF requires anyway.
template <class T>
std::string rendered_name() {
  std::string out;
  T x{};
  caf::detail::stringification_inspector f{out};
  f(x);
  return std::string{message_type("(" + out + ")")};
}

template <class... Ts>
void add_names(caf::detail::type_list<Ts...>, std::vector<std::string>& out) {
  (out.push_back(rendered_name<Ts>()), ...);
}
template <class... Ts>
void add_names(caf::output_tuple<Ts...>, std::vector<std::string>& out) {
  (out.push_back(rendered_name<Ts>()), ...);
}
inline void add_names(caf::output_tuple<void>, std::vector<std::string>&) {}

template <class Sig>
struct signature;
template <class In, class Out>
struct signature<caf::typed_mpi<In, Out>> {
  static void add(interface_info& info) {
    add_names(In{}, info.inputs);
    add_names(Out{}, info.replies);
  }
};

template <class... Sigs>
void add_signatures(caf::detail::type_list<Sigs...>, interface_info& info) {
  (signature<Sigs>::add(info), ...);
}

template <class Handle>
interface_info describe(std::string kind, bool server = true) {
  interface_info info{std::move(kind), {}, {}, server};
  add_signatures(typename Handle::signatures{}, info);
  return info;
}

} // namespace

const std::vector<interface_info>& interfaces() {
  static const std::vector<interface_info> all = [] {
    std::vector<interface_info> v;
    v.push_back(describe<authenticator_actor>("authenticator"));
    v.push_back(describe<connection_actor>("connection"));
    v.push_back(describe<directory_actor>("directory"));
    v.push_back(describe<listener_actor>("listener"));
    v.push_back(describe<room_actor>("room"));
    v.push_back(describe<net::transport_actor>("transport"));
    v.push_back(describe<chaos_actor>("chaos", false));
    return v;
  }();
  return all;
}

std::vector<std::string> message_type_names() {
  std::set<std::string> names;
  for (const auto& i : interfaces())
    if (i.server) {
      names.insert(i.inputs.begin(), i.inputs.end());
      names.insert(i.replies.begin(), i.replies.end());
    }
  return {names.begin(), names.end()};
}

std::vector<std::string> handler_names() {
  std::set<std::string> names;
  for (const auto& i : interfaces())
    if (i.server)
      for (const auto& t : i.inputs)
        names.insert(i.kind + "." + t);
  return {names.begin(), names.end()};
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& c : line_session().command_names())
    names.push_back("line /" + c);
  for (const auto& c : irc_session().command_names())
    names.push_back("irc " + c);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> rule_names() {
  auto names = oracle_rule_names();
  std::sort(names.begin(), names.end());
  return names;
}

// --- Counting ---

std::string_view message_type(std::string_view content) {
  if (!content.empty() && content.front() == '(')
    content.remove_prefix(1);
  auto end = content.find_first_of("(), ");
  return content.substr(0, end);
}

void counts::add(const counts& other) {
  runs += other.runs;
  for (auto [mine, theirs] : {std::pair{&messages, &other.messages},
                              std::pair{&handlers, &other.handlers},
                              std::pair{&commands, &other.commands},
                              std::pair{&rules, &other.rules}})
    for (const auto& [name, n] : *theirs)
      (*mine)[name] += n;
}

struct counter::impl {
  static constexpr int unknown = -1;
  struct type_entry {
    std::string name;
    int kind = unknown; ///< the interface whose input it is, if any
  };
  /// Type name -> index into `types` (looked up, never iterated: no order can leak).
  std::unordered_map<std::string, std::size_t> type_index;
  std::vector<type_entry> types;
  std::unordered_map<std::uint64_t, int> actor_kind; ///< learned from the messages they handle
  std::map<std::pair<int, std::size_t>, std::uint64_t> handled; ///< (kind, type) -> count
  std::map<std::string, std::uint64_t> commands;
  std::string scratch;

  // Each input type names its interface. (No type is an input of two interfaces today; one
  // that were would count under the later.)
  impl() {
    const auto& all = interfaces();
    for (std::size_t k = 0; k < all.size(); ++k)
      for (const auto& t : all[k].inputs)
        entry(t).kind = static_cast<int>(k);
  }

  // Looked up first: emplace would build (and allocate) a node for every message.
  type_entry& entry(std::string_view name) {
    scratch.assign(name);
    if (auto i = type_index.find(scratch); i != type_index.end())
      return types[i->second];
    type_index.emplace(scratch, types.size());
    types.push_back({scratch, unknown});
    return types.back();
  }
  std::size_t index_of(const type_entry& e) const {
    return static_cast<std::size_t>(&e - types.data());
  }
};

counter::counter() : impl_(std::make_unique<impl>()) {}
counter::~counter() = default;

void counter::observe_commands(server_config& cfg) {
  auto hook = [this](const char* session, const char* command) { on_command(session, command); };
  cfg.listener.connection.on_command = hook;
  if (cfg.irc_listener)
    cfg.irc_listener->connection.on_command = hook;
}

void counter::on_step(vtime, std::uint64_t receiver, const std::string& content) {
  auto& d = *impl_;
  auto& e = d.entry(message_type(content));
  auto type = d.index_of(e);
  int kind = e.kind;
  if (kind != impl::unknown) {
    d.actor_kind[receiver] = kind;
  } else if (auto i = d.actor_kind.find(receiver); i != d.actor_kind.end()) {
    kind = i->second;
  }
  ++d.handled[{kind, type}];
}

void counter::on_command(const char* session, const char* command) {
  auto name = std::string_view{session} == "irc" ? std::string{"irc "} + command
                                                 : std::string{"line /"} + command;
  ++impl_->commands[name];
}

counts counter::result() const {
  const auto& d = *impl_;
  const auto& all = interfaces();
  counts c;
  for (const auto& [key, n] : d.handled) {
    auto [kind, type] = key;
    const auto& t = d.types[type];
    auto kind_name = kind == impl::unknown ? std::string{"?"} : all[static_cast<std::size_t>(kind)].kind;
    c.messages[kind_name + " <- " + t.name] += n;
    if (kind != impl::unknown && t.kind == kind && all[static_cast<std::size_t>(kind)].server)
      c.handlers[kind_name + "." + t.name] += n;
  }
  c.commands = d.commands;
  return c;
}

// --- Reports ---

std::map<std::string, std::vector<std::string>> never_exercised(const counts& c) {
  std::map<std::string, std::vector<std::string>> never;
  std::set<std::string> types_seen;
  for (const auto& [key, n] : c.messages)
    if (n > 0)
      types_seen.insert(key.substr(key.find(" <- ") + 4));
  auto missing = [](const std::vector<std::string>& all, auto seen) {
    std::vector<std::string> out;
    for (const auto& name : all)
      if (!seen(name))
        out.push_back(name);
    return out;
  };
  auto in = [](const tally& t) {
    return [&t](const std::string& n) {
      auto i = t.find(n);
      return i != t.end() && i->second > 0;
    };
  };
  never["messages"] =
    missing(message_type_names(), [&](const std::string& n) { return types_seen.count(n) > 0; });
  never["handlers"] = missing(handler_names(), in(c.handlers));
  never["commands"] = missing(command_names(), in(c.commands));
  never["rules"] = missing(rule_names(), in(c.rules));
  return never;
}

namespace {

struct category {
  const char* key;
  const char* title;
  const tally* counted;
  std::vector<std::string> universe; ///< shown at 0 when never counted
};

std::vector<category> categories(const counts& c) {
  return {
    {"messages", "message types handled, by receiving actor kind", &c.messages, {}},
    {"handlers", "handlers (each interface's own message types)", &c.handlers, handler_names()},
    {"commands", "session commands dispatched to their handler", &c.commands, command_names()},
    {"rules", "oracle rules (things each rule checked)", &c.rules, rule_names()},
  };
}

std::string line(const std::string& name, std::uint64_t n) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-48s %12llu%s\n", name.c_str(),
                static_cast<unsigned long long>(n), n == 0 ? "  never" : "");
  return buf;
}

} // namespace

std::string report(const counts& c) {
  auto never = never_exercised(c);
  std::ostringstream out;
  out << "coverage of " << c.runs << (c.runs == 1 ? " run\n" : " runs\n");
  for (const auto& cat : categories(c)) {
    tally shown = *cat.counted;
    for (const auto& name : cat.universe)
      shown.emplace(name, 0);
    const auto& missing = never[cat.key];
    auto total = cat.key == std::string{"messages"} ? message_type_names().size() : cat.universe.size();
    out << "\n" << cat.title << ": " << (total - missing.size()) << " of " << total
        << " exercised\n";
    for (const auto& [name, n] : shown)
      out << line(name, n);
    out << "  never exercised (" << missing.size() << "):";
    for (const auto& name : missing)
      out << " " << name << (&name == &missing.back() ? "" : ",");
    out << (missing.empty() ? " none\n" : "\n");
  }
  return out.str();
}

std::string report_json(const counts& c) {
  std::string out = "{\"runs\":" + std::to_string(c.runs);
  for (const auto& cat : categories(c)) {
    out += ",\"" + std::string{cat.key} + "\":{";
    bool first = true;
    for (const auto& [name, n] : *cat.counted) {
      out += (first ? "" : ",") + trace::json_string(name) + ":" + std::to_string(n);
      first = false;
    }
    out += "}";
  }
  out += ",\"never\":{";
  bool first_cat = true;
  for (const auto& [cat, names] : never_exercised(c)) {
    out += (first_cat ? "\"" : ",\"") + cat + "\":[";
    first_cat = false;
    for (std::size_t i = 0; i < names.size(); ++i)
      out += (i ? "," : "") + trace::json_string(names[i]);
    out += "]";
  }
  return out + "}}\n";
}

// --- Swarm workers' block ---

std::string serialize(const counts& c) {
  std::string out = "cov runs " + std::to_string(c.runs) + " -\n";
  for (const auto& cat : categories(c))
    for (const auto& [name, n] : *cat.counted)
      out += "cov " + std::string{cat.key} + " " + std::to_string(n) + " " + name + "\n";
  return out;
}

bool parse_line(const std::string& line, counts& c) {
  std::istringstream in(line);
  std::string tag, cat;
  std::uint64_t n = 0;
  if (!(in >> tag >> cat >> n) || tag != "cov" || in.get() != ' ')
    return false;
  std::string name;
  std::getline(in, name);
  if (cat == "runs") {
    c.runs += n;
    return true;
  }
  tally* t = cat == "messages"   ? &c.messages
             : cat == "handlers" ? &c.handlers
             : cat == "commands" ? &c.commands
             : cat == "rules"    ? &c.rules
                                 : nullptr;
  if (!t || name.empty())
    return false;
  (*t)[name] += n;
  return true;
}

// --- The allow-list ---

namespace {

struct allowed {
  std::size_t line_no;
  std::string category; ///< "handler" or "command"
  std::string name;
  std::string reason;
};

// "CATEGORY NAME -- REASON"; '#' starts a comment line.
std::vector<allowed> parse_allow_list(const std::string& text, std::vector<std::string>& problems) {
  std::vector<allowed> out;
  std::istringstream in(text);
  std::string l;
  for (std::size_t no = 1; std::getline(in, l); ++no) {
    if (l.empty() || l[0] == '#' || l.find_first_not_of(" \t") == std::string::npos)
      continue;
    auto space = l.find(' ');
    auto dashes = l.find(" -- ");
    if (space == std::string::npos || dashes == std::string::npos || dashes <= space ||
        l.find_first_not_of(" \t", dashes + 4) == std::string::npos) {
      problems.push_back("allow-list line " + std::to_string(no) +
                         " is not 'CATEGORY NAME -- REASON': " + l);
      continue;
    }
    out.push_back({no, l.substr(0, space), l.substr(space + 1, dashes - space - 1),
                   l.substr(l.find_first_not_of(" \t", dashes + 4))});
  }
  return out;
}

} // namespace

std::vector<std::string> check_allow_list(const counts& c, const std::string& allow_text) {
  std::vector<std::string> problems;
  auto list = parse_allow_list(allow_text, problems);
  std::map<std::string, const tally*> counted{{"handler", &c.handlers}, {"command", &c.commands}};
  std::map<std::string, std::vector<std::string>> universe{{"handler", handler_names()},
                                                           {"command", command_names()}};
  std::set<std::pair<std::string, std::string>> listed;
  for (const auto& a : list) {
    auto u = universe.find(a.category);
    if (u == universe.end()) {
      problems.push_back("allow-list line " + std::to_string(a.line_no) + ": category '" +
                         a.category + "' is neither handler nor command");
      continue;
    }
    if (std::find(u->second.begin(), u->second.end(), a.name) == u->second.end()) {
      problems.push_back("allow-list line " + std::to_string(a.line_no) + ": no " + a.category +
                         " '" + a.name + "' exists: remove the entry");
      continue;
    }
    listed.insert({a.category, a.name});
    const auto& t = *counted[a.category];
    if (auto i = t.find(a.name); i != t.end() && i->second > 0)
      problems.push_back("allow-list line " + std::to_string(a.line_no) + ": " + a.category +
                         " '" + a.name + "' is exercised now (" + std::to_string(i->second) +
                         " times): remove it from the allow-list, which may only shrink");
  }
  auto never = never_exercised(c);
  for (const auto& [category, key] : {std::pair{"handler", "handlers"}, {"command", "commands"}})
    for (const auto& name : never[key])
      if (!listed.count({category, name}))
        problems.push_back(std::string{category} + " '" + name +
                           "' was never exercised by this seed range (and is not on the "
                           "allow-list)");
  return problems;
}

} // namespace parley::sim::coverage
