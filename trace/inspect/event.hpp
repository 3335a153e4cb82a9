// The in-memory form of a trace file (docs/traces.md, format version 1): the meta line and one
// `event` per later line, with the fields every event has pulled out and the whole line kept as
// JSON for the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parley::trace::inspect {

/// Bad input: a missing, empty or malformed trace file, or a bad command-line value. The
/// message names the file and line where there is one.
struct trace_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class event_kind { message, net, actor, fault };

const char* kind_name(event_kind k);

struct event {
  std::uint64_t seq = 0;
  std::int64_t t = 0; ///< nanoseconds, see trace_meta::clock
  event_kind kind = event_kind::message;
  std::uint64_t parent = 0; ///< 0: none (and always 0 for actor and fault events)
  std::uint64_t cause = 0;  ///< the seq of the chain's root; the event's own seq if it is one
  std::size_t line = 0;     ///< line number in the file
  // Message events only (empty otherwise):
  std::string from, to, type, content;
  nlohmann::json fields; ///< the whole line as read
};

struct trace_meta {
  std::string source; ///< "sim", "live", ... ("unknown" if absent)
  std::string clock;  ///< "virtual" or "monotonic" ("unknown" if absent)
  std::optional<std::int64_t> seed;
  nlohmann::json fields; ///< the whole meta line
};

struct trace {
  std::string path;
  trace_meta meta;
  std::vector<event> events; ///< in file order, seq strictly increasing

  /// The event numbered `seq`, or null.
  const event* find(std::uint64_t seq) const;
};

/// A text field of the event's line, or "" if absent or not a string.
std::string text_field(const event& e, const char* key);
/// An integer field of the event's line, if present.
std::optional<std::int64_t> int_field(const event& e, const char* key);

/// Whether a message event is a response to a request ("response":true).
bool is_response(const event& e);

/// The actor a network event belongs to: "conn/ID" (for a write_many, its first connection).
std::string conn_name(const event& e);

/// The connections a network event concerns: its "conns" list (a write_many: one fan-out
/// to many connections; a run of ids may be written [first,last]), else its one "conn".
std::vector<std::uint64_t> conns_of(const event& e);

} // namespace parley::trace::inspect
