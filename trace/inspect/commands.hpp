// The `parley trace` commands (summary, show, follow, diff, export), each writing to the streams
// it is given and returning its exit status: 0 ok, 1 for differences (diff) or nothing found,
// 2 for bad input (the error goes to `err`).
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "trace/inspect/event.hpp"
#include "trace/inspect/filter.hpp"

namespace parley::trace::inspect {

enum exit_status : int { exit_ok = 0, exit_differs = 1, exit_not_found = 1, exit_bad_input = 2 };

/// Runs `body`; a trace_error (or any other exception) is printed to `err` as "error: ..." and
/// gives exit_bad_input.
int guarded(std::ostream& err, const std::function<int()>& body);

// --- summary ---
void write_summary(const trace& tr, std::ostream& out);
int run_summary(const std::string& file, std::ostream& out, std::ostream& err);

// --- show and follow ---
int run_show(const std::string& file, const filter_args& filters, std::ostream& out,
             std::ostream& err);
/// The chain of parents that led to `seq`, root first; empty if `seq` is not in the trace.
std::vector<const event*> causal_chain(const trace& tr, std::uint64_t seq, std::ostream& err);
int run_follow(const std::string& file, const std::string& seq, std::ostream& out,
               std::ostream& err);

// --- diff ---
/// Writes the comparison of `a` and `b`; returns whether they are identical.
bool write_diff(const trace& a, const trace& b, std::ostream& out);
int run_diff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err);

// --- export ---
struct export_args {
  std::string format; ///< mermaid, chrome or html
  std::string output; ///< a file, "-" for `out`; empty: the default (see run_export)
  filter_args filters;
};

constexpr std::size_t max_mermaid_arrows = 500;

/// A Mermaid sequenceDiagram; throws trace_error if it would draw more than
/// max_mermaid_arrows arrows.
std::string export_mermaid(const trace& tr, const std::vector<const event*>& events);
/// Chrome trace event JSON ({"traceEvents":[...]}), for Perfetto or chrome://tracing.
std::string export_chrome(const trace& tr, const std::vector<const event*>& events);
/// One self-contained HTML page (no external resources) with a sequence view.
std::string export_html(const trace& tr, const std::vector<const event*>& events);

/// The output path when none is given: stdout ("-") for mermaid, else `file` with its
/// extension replaced by .json (chrome) or .html (html).
std::string default_export_path(const std::string& file, const std::string& format);
int run_export(const std::string& file, const export_args& args, std::ostream& out,
               std::ostream& err);

} // namespace parley::trace::inspect
