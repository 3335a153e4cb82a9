// Event selection shared by `show` and `export`: --actor, --conn, --room, --type, --seq, --time
// and --limit, all of which must hold for an event to be shown.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "trace/inspect/event.hpp"

namespace parley::trace::inspect {

/// The filters as typed on the command line.
struct filter_args {
  std::string actor;              ///< NAME: messages from or to it, its net and lifecycle events
  std::string conn;               ///< ID or conn/ID: its net events and messages from or to it
  std::string room;               ///< NAME or room/NAME
  std::vector<std::string> types; ///< message types (any of them)
  std::string seq;                ///< A..B, A.., ..B or A
  std::string time;               ///< A..B with durations (1.5s, 200ms, plain ns)
  std::size_t limit = 0;          ///< at most this many events; 0: no limit
};

/// The filters, checked and parsed.
struct event_filter {
  std::string actor, conn, room; ///< full actor names, empty if not filtered
  std::set<std::string> types;
  std::uint64_t seq_from = 0, seq_to = std::numeric_limits<std::uint64_t>::max();
  std::int64_t t_from = std::numeric_limits<std::int64_t>::min();
  std::int64_t t_to = std::numeric_limits<std::int64_t>::max();
  std::size_t limit = 0;

  bool matches(const event& e) const; ///< all but the limit
};

/// Parses `args`; throws trace_error naming the option on a malformed value.
event_filter make_filter(const filter_args& args);

struct selection {
  std::vector<const event*> events; ///< in order, at most the filter's limit
  std::size_t matched = 0;          ///< how many passed the filters, before the limit
};

/// The events of `tr` that pass `f`.
selection select_events(const trace& tr, const event_filter& f);

/// Whether `e` involves the actor called `name` (see filter_args::actor).
bool involves(const event& e, const std::string& name);

} // namespace parley::trace::inspect
