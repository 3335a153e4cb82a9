// Event selection (see filter.hpp).
#include "trace/inspect/filter.hpp"

#include <cctype>

#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

std::optional<std::uint64_t> parse_count(const std::string& s) {
  if (s.empty() || s.size() > 19)
    return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// Splits "A..B" (either side may be empty) or a single "A" (meaning A..A).
std::pair<std::string, std::string> split_range(const std::string& s) {
  auto dots = s.find("..");
  if (dots == std::string::npos)
    return {s, s};
  return {s.substr(0, dots), s.substr(dots + 2)};
}

[[noreturn]] void bad(const std::string& option, const std::string& value, const char* expected) {
  throw trace_error("bad value for " + option + ": \"" + value + "\" (expected " + expected + ")");
}

void parse_seq(const std::string& s, event_filter& f) {
  auto [lo, hi] = split_range(s);
  auto from = lo.empty() ? std::optional<std::uint64_t>{0} : parse_count(lo);
  auto to = hi.empty() ? std::optional<std::uint64_t>{f.seq_to} : parse_count(hi);
  if (s == ".." || !from || !to || *from > *to)
    bad("--seq", s, "A..B, A.. or ..B with sequence numbers A <= B");
  f.seq_from = *from;
  f.seq_to = *to;
}

void parse_time(const std::string& s, event_filter& f) {
  auto [lo, hi] = split_range(s);
  auto from = lo.empty() ? std::optional<std::int64_t>{f.t_from} : parse_duration(lo);
  auto to = hi.empty() ? std::optional<std::int64_t>{f.t_to} : parse_duration(hi);
  if (s == ".." || !from || !to || *from > *to)
    bad("--time", s, "A..B, A.. or ..B with times like 1.5s, 200ms, 250us or plain ns");
  f.t_from = *from;
  f.t_to = *to;
}

std::string full_name(const std::string& prefix, const std::string& s) {
  return s.rfind(prefix, 0) == 0 ? s : prefix + s;
}

} // namespace

bool involves(const event& e, const std::string& name) {
  switch (e.kind) {
    case event_kind::message:
      return e.from == name || e.to == name;
    case event_kind::net:
      for (auto id : conns_of(e))
        if ("conn/" + std::to_string(id) == name)
          return true;
      return false;
    case event_kind::actor:
      return text_field(e, "name") == name;
    case event_kind::fault: {
      auto target = text_field(e, "target");
      auto suffix = "/" + target;
      return !target.empty() &&
             (target == name || (name.size() > suffix.size() &&
                                 name.compare(name.size() - suffix.size(), suffix.size(),
                                              suffix) == 0));
    }
  }
  return false;
}

bool event_filter::matches(const event& e) const {
  if (e.seq < seq_from || e.seq > seq_to || e.t < t_from || e.t > t_to)
    return false;
  if (!types.empty() && (e.kind != event_kind::message || !types.count(e.type)))
    return false;
  if (!actor.empty() && !involves(e, actor))
    return false;
  if (!conn.empty() && !involves(e, conn))
    return false;
  return room.empty() || involves(e, room);
}

event_filter make_filter(const filter_args& args) {
  event_filter f;
  f.actor = args.actor;
  if (!args.conn.empty()) {
    auto id = args.conn.rfind("conn/", 0) == 0 ? args.conn.substr(5) : args.conn;
    if (!parse_count(id))
      bad("--conn", args.conn, "a connection id like 3 or conn/3");
    f.conn = "conn/" + std::to_string(*parse_count(id));
  }
  if (!args.room.empty())
    f.room = full_name("room/", args.room);
  f.types.insert(args.types.begin(), args.types.end());
  if (!args.seq.empty())
    parse_seq(args.seq, f);
  if (!args.time.empty())
    parse_time(args.time, f);
  f.limit = args.limit;
  return f;
}

selection select_events(const trace& tr, const event_filter& f) {
  selection out;
  for (const auto& e : tr.events) {
    if (!f.matches(e))
      continue;
    ++out.matched;
    if (f.limit == 0 || out.events.size() < f.limit)
      out.events.push_back(&e);
  }
  return out;
}

} // namespace parley::trace::inspect
