// trace_inspect_cli: the trace inspector on its own, with the arguments of `parley trace`
// (`trace_inspect_cli trace show FILE --conn 3`). Used by tests/trace/html_view_test.sh.
#include <CLI/CLI.hpp>

#include "trace/inspect/trace_cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Parley's trace inspector (the `parley trace` commands)"};
  app.require_subcommand(1);
  int exit_code = 0;
  parley::trace::inspect::add_trace_subcommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
