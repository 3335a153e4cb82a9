// The trace reader (see reader.hpp): one JSON object per line, the meta line first, then events
// whose required fields (docs/traces.md) are present and of the right type.
#include "trace/inspect/reader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace parley::trace::inspect {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, std::size_t line, const std::string& what) {
  throw trace_error(path + ": line " + std::to_string(line) + ": " + what);
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

enum class field_type { text, count, integer };

struct field_rule {
  const char* name;
  field_type type;
  bool required;
};

const std::vector<field_rule>& rules_for(event_kind k) {
  static const std::vector<field_rule> message{
    {"from", field_type::text, true},    {"to", field_type::text, true},
    {"type", field_type::text, true},    {"content", field_type::text, true},
    {"parent", field_type::count, true}, {"cause", field_type::count, true}};
  static const std::vector<field_rule> net{
    {"action", field_type::text, true},   {"conn", field_type::count, true},
    {"parent", field_type::count, false}, {"cause", field_type::count, false},
    {"peer", field_type::text, false},    {"data", field_type::text, false},
    {"bytes", field_type::count, false}};
  static const std::vector<field_rule> actor{
    {"action", field_type::text, true}, {"name", field_type::text, true},
    {"reason", field_type::text, false}};
  static const std::vector<field_rule> fault{
    {"fault", field_type::text, true}, {"target", field_type::text, false}};
  switch (k) {
    case event_kind::message: return message;
    case event_kind::net: return net;
    case event_kind::actor: return actor;
    case event_kind::fault: break;
  }
  return fault;
}

bool has_type(const json& v, field_type type) {
  switch (type) {
    case field_type::text: return v.is_string();
    case field_type::count: return v.is_number_unsigned();
    case field_type::integer: return v.is_number_integer();
  }
  return false;
}

const char* type_words(field_type type) {
  switch (type) {
    case field_type::text: return "a string";
    case field_type::count: return "a non-negative integer";
    case field_type::integer: break;
  }
  return "an integer";
}

// Checks `rule` on `j`; `what` names the event kind in messages.
void check_field(const json& j, const field_rule& rule, const std::string& what,
                 const std::string& path, std::size_t line) {
  auto i = j.find(rule.name);
  if (i == j.end()) {
    if (rule.required)
      fail(path, line, what + " lacks the required field " + in_quotes(rule.name));
    return;
  }
  if (!has_type(*i, rule.type))
    fail(path, line, "field " + in_quotes(rule.name) + " must be " + type_words(rule.type));
}

void check_action(const std::string& action, std::initializer_list<const char*> allowed,
                  const std::string& what, const std::string& path, std::size_t line) {
  std::string list;
  for (const char* a : allowed) {
    if (action == a)
      return;
    list += list.empty() ? a : std::string{", "} + a;
  }
  fail(path, line, "unknown " + what + " action " + in_quotes(action) + " (expected " + list + ")");
}

std::optional<event_kind> parse_kind(const std::string& s) {
  for (auto k : {event_kind::message, event_kind::net, event_kind::actor, event_kind::fault})
    if (s == kind_name(k))
      return k;
  return std::nullopt;
}

event_kind read_kind(const json& j, const std::string& path, std::size_t line) {
  check_field(j, {"kind", field_type::text, true}, "the event", path, line);
  auto name = j["kind"].get<std::string>();
  if (name == "meta")
    fail(path, line, "a second meta line (only the first line may be one)");
  auto kind = parse_kind(name);
  if (!kind)
    fail(path, line,
         "unknown event kind " + in_quotes(name) + " (expected message, net, actor or fault)");
  return *kind;
}

// Validates one event line and fills in the common fields.
event make_event(json j, const std::string& path, std::size_t line) {
  event e;
  e.line = line;
  e.kind = read_kind(j, path, line);
  std::string what = std::string{"a "} + kind_name(e.kind) + " event";
  check_field(j, {"seq", field_type::count, true}, what, path, line);
  check_field(j, {"t", field_type::integer, true}, what, path, line);
  for (const auto& rule : rules_for(e.kind))
    check_field(j, rule, what, path, line);
  if (e.kind == event_kind::net)
    check_action(j["action"], {"accept", "read", "write", "write_many", "close", "lost"}, "net",
                 path, line);
  if (e.kind == event_kind::actor)
    check_action(j["action"], {"start", "stop", "crash"}, "actor", path, line);
  e.seq = j["seq"].get<std::uint64_t>();
  e.t = j["t"].get<std::int64_t>();
  if (e.kind == event_kind::message || e.kind == event_kind::net) { // checked above
    e.parent = j.value("parent", std::uint64_t{0});
    e.cause = j.value("cause", e.parent == 0 ? e.seq : std::uint64_t{0});
  } else {
    e.cause = e.seq; // lifecycle events and faults have no parent: each is its own cause
  }
  if (e.kind == event_kind::message) {
    e.from = j["from"];
    e.to = j["to"];
    e.type = j["type"];
    e.content = j["content"];
  }
  e.fields = std::move(j);
  return e;
}

trace_meta make_meta(json j, const std::string& path) {
  auto text = [&](const char* key) {
    auto i = j.find(key);
    return i != j.end() && i->is_string() ? i->get<std::string>() : std::string{};
  };
  if (text("kind") != "meta")
    fail(path, 1,
         "not a meta line (a trace starts with {\"kind\":\"meta\",\"format\":\"parley-trace\","
         "\"version\":1,...})");
  if (text("format") != "parley-trace")
    fail(path, 1, "the meta line's format is not \"parley-trace\"");
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1)
    fail(path, 1, "unsupported trace version " + (version == j.end() ? "(none)" : version->dump()) +
                    " (this inspector reads version 1)");
  trace_meta m;
  m.source = text("source").empty() ? "unknown" : text("source");
  m.clock = text("clock").empty() ? "unknown" : text("clock");
  if (auto seed = j.find("seed"); seed != j.end() && seed->is_number_integer())
    m.seed = seed->get<std::int64_t>();
  m.fields = std::move(j);
  return m;
}

// Parses one line; nullopt for a cut-off last line (after warning about it).
std::optional<json> parse_line(const std::string& text, bool unterminated, const std::string& path,
                               std::size_t line, std::ostream& warnings) {
  std::string error;
  try {
    if (text.find_first_not_of(" \t") == std::string::npos) {
      error = "empty line";
    } else {
      auto j = json::parse(text);
      if (j.is_object())
        return j;
      error = "not a JSON object";
    }
  } catch (const json::parse_error& e) {
    error = "not valid JSON (syntax error at column " + std::to_string(e.byte) + ")";
  } catch (const json::exception&) {
    // A number too large for any JSON number type (out_of_range 406); it escaped as an
    // uncaught exception before (found by fuzz_trace).
    error = "not valid JSON (a number out of range)";
  }
  if (!unterminated)
    fail(path, line, error);
  warnings << path << ": line " << line << " is incomplete (the recording was cut off); ignored\n";
  return std::nullopt;
}

void add_event(trace& tr, json j, std::size_t line) {
  auto e = make_event(std::move(j), tr.path, line);
  if (e.seq == 0)
    fail(tr.path, line, "seq must be at least 1");
  if (!tr.events.empty() && e.seq <= tr.events.back().seq)
    fail(tr.path, line,
         "seq " + std::to_string(e.seq) + " after seq " + std::to_string(tr.events.back().seq) +
           " (seq must strictly increase)");
  tr.events.push_back(std::move(e));
}

} // namespace

trace read_trace(std::istream& in, const std::string& path, std::ostream& warnings) {
  trace tr;
  tr.path = path;
  std::string text;
  std::size_t line = 0;
  bool have_meta = false;
  while (std::getline(in, text)) {
    ++line;
    bool unterminated = in.eof();
    if (unterminated && !text.empty() && text.back() == '\0') {
      // The recorder maps the file ahead of its lines (docs/traces.md): a recording it did not
      // close (a crash, or one still being written) ends in zero bytes, after at most one
      // cut-off line.
      auto keep = text.find_last_not_of('\0');
      auto zeros = text.size() - (keep == std::string::npos ? 0 : keep + 1);
      text.resize(text.size() - zeros);
      if (text.empty()) {
        if (line > 1)
          warnings << path << ": ends in " << zeros << " zero bytes after line " << line - 1
                   << " (the recording was not closed: a crash, or still recording); ignored\n";
        break;
      }
    }
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    auto j = parse_line(text, unterminated, path, line, warnings);
    if (!j)
      break;
    if (line == 1) {
      tr.meta = make_meta(std::move(*j), path);
      have_meta = true;
    } else {
      add_event(tr, std::move(*j), line);
    }
  }
  if (in.bad())
    throw trace_error(path + ": read error");
  if (line == 0)
    throw trace_error(path + ": empty file (a trace starts with a meta line)");
  if (!have_meta)
    throw trace_error(path + ": the recording was cut off before its meta line was complete");
  return tr;
}

trace read_trace(const std::string& path, std::ostream& warnings) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw trace_error(path + ": is a directory, not a trace file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw trace_error(path + ": cannot open (" + std::strerror(errno) + ")");
  return read_trace(in, path, warnings);
}

} // namespace parley::trace::inspect
