// Loads a trace file (docs/traces.md) into memory, checking it line by line. Bad input throws a
// trace_error that names the file and the line; a cut-off last line (no newline, not JSON: the
// recorder died mid-write) is skipped with a warning instead.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "trace/inspect/event.hpp"

namespace parley::trace::inspect {

/// Reads the file at `path`; warnings (a cut-off last line) go to `warnings`.
trace read_trace(const std::string& path, std::ostream& warnings);

/// Reads a trace from `in`, naming it `path` in messages.
trace read_trace(std::istream& in, const std::string& path, std::ostream& warnings);

} // namespace parley::trace::inspect
