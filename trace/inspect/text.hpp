// Text helpers of the trace inspector: the one-line rendering of an event shared by `show`,
// `follow`, `diff` and `summary`, times and durations, escaping and shortening.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "trace/inspect/event.hpp"

namespace parley::trace::inspect {

/// "#41 1.503000s conn/3 -> room/lobby post_line(\"alice\", \"hi\", false)",
/// "#38 1.502000s net read conn/3 4 bytes \"hi\\r\\n\"".
std::string event_line(const event& e);

/// The event without its "#seq time " prefix: what happened.
std::string event_text(const event& e);

/// Nanoseconds as seconds with microsecond precision: 1503000000 -> "1.503000s".
std::string format_seconds(std::int64_t ns);

/// "1.5s", "200ms", "250us", "10ns", "2m" or plain nanoseconds ("1500"); nullopt if malformed.
std::optional<std::int64_t> parse_duration(std::string_view s);

/// `s` as a double-quoted string with \\, \", \r, \n, \t and other control bytes escaped.
std::string quote(std::string_view s);

/// `s` with control bytes escaped (\r, \n, \t, \xNN) so it fits on one line.
std::string one_line(std::string_view s);

/// At most `max` bytes of `s` (cut at a UTF-8 character boundary), "..." appended if cut.
std::string shorten(std::string_view s, std::size_t max);

/// Orders names with numbers naturally: conn/2 before conn/10.
bool natural_less(const std::string& a, const std::string& b);

/// Whether a message's content carries an ERROR line for a client (a rendered string holding a
/// line that starts with "ERROR").
bool mentions_error_line(std::string_view content);

} // namespace parley::trace::inspect
