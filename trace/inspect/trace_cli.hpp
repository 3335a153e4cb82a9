// The `trace` command line: `parley trace summary|show|follow|diff|export ...` (docs/traces.md).
// Hook it into a CLI11 program and return the exit code it stores:
//
//   int trace_exit = 0;
//   auto* trace = parley::trace::inspect::add_trace_subcommand(app, trace_exit);
//   CLI11_PARSE(app, argc, argv);
//   if (trace->parsed()) return trace_exit;
#pragma once

#include <ostream>

#include <CLI/CLI.hpp>

namespace parley::trace::inspect {

/// Registers `trace` and its five subcommands on `parent`; the chosen subcommand's callback runs
/// it and stores its exit status in `exit_code` (0 ok, 1 differences or not found, 2 bad input).
/// Output goes to std::cout, errors and warnings to std::cerr.
CLI::App* add_trace_subcommand(CLI::App& parent, int& exit_code);

/// The same, writing to `out` and `err` (which must outlive the parse).
CLI::App* add_trace_subcommand(CLI::App& parent, int& exit_code, std::ostream& out,
                               std::ostream& err);

} // namespace parley::trace::inspect
