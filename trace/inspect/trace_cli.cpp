// The `trace` command line (see trace_cli.hpp): CLI11 options mapped onto the commands of
// commands.hpp.
#include "trace/inspect/trace_cli.hpp"

#include <iostream>
#include <memory>

#include "trace/inspect/commands.hpp"

namespace parley::trace::inspect {

namespace {

// Everything the options write into; shared by the callbacks, so it lives as long as the app.
struct cli_state {
  std::string file, other, seq;
  filter_args filters;
  export_args exports;
};

void add_filter_options(CLI::App& sub, filter_args& f) {
  sub.add_option("--actor", f.actor, "Only events of this actor (messages from or to it)");
  sub.add_option("--conn", f.conn, "Only this connection (ID or conn/ID): its net events and messages");
  sub.add_option("--room", f.room, "Only messages from or to this room (NAME or room/NAME)");
  sub.add_option("--type", f.types, "Only messages of these types (repeatable, or comma separated)")
    ->delimiter(',')
    ->allow_extra_args(false);
  sub.add_option("--seq", f.seq, "Only events numbered A..B (A.. and ..B work too)");
  sub.add_option("--time", f.time, "Only events at times A..B (1.5s, 200ms, 250us or plain ns)");
  sub.add_option("--limit", f.limit, "At most N events");
}

using command = std::function<int(std::ostream&, std::ostream&)>;

void on_run(CLI::App& sub, int& exit_code, std::ostream& out, std::ostream& err, command run) {
  sub.callback([&exit_code, &out, &err, run] { exit_code = run(out, err); });
}

} // namespace

int guarded(std::ostream& err, const std::function<int()>& body) {
  try {
    return body();
  } catch (const trace_error& e) {
    err << "error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
  }
  return exit_bad_input;
}

CLI::App* add_trace_subcommand(CLI::App& parent, int& exit_code, std::ostream& out,
                               std::ostream& err) {
  auto s = std::make_shared<cli_state>();
  auto* trace = parent.add_subcommand("trace", "Inspect a recorded trace (docs/traces.md)");
  trace->require_subcommand(1);

  auto* summary = trace->add_subcommand("summary", "Actors, message types, network totals, errors");
  summary->add_option("FILE", s->file, "Trace file")->required();
  on_run(*summary, exit_code, out, err, [s](auto& o, auto& e) { return run_summary(s->file, o, e); });

  auto* show = trace->add_subcommand("show", "One line per event, filtered");
  show->add_option("FILE", s->file, "Trace file")->required();
  add_filter_options(*show, s->filters);
  on_run(*show, exit_code, out, err,
         [s](auto& o, auto& e) { return run_show(s->file, s->filters, o, e); });

  auto* follow = trace->add_subcommand("follow", "The causal chain that led to event SEQ");
  follow->add_option("FILE", s->file, "Trace file")->required();
  follow->add_option("SEQ", s->seq, "Event number")->required();
  on_run(*follow, exit_code, out, err,
         [s](auto& o, auto& e) { return run_follow(s->file, s->seq, o, e); });

  auto* diff = trace->add_subcommand("diff", "The first divergence between two traces");
  diff->add_option("A", s->file, "First trace")->required();
  diff->add_option("B", s->other, "Second trace")->required();
  on_run(*diff, exit_code, out, err,
         [s](auto& o, auto& e) { return run_diff(s->file, s->other, o, e); });

  auto* exp = trace->add_subcommand("export", "Mermaid, Chrome trace JSON (Perfetto) or HTML");
  exp->add_option("FILE", s->file, "Trace file")->required();
  exp->add_option("--format", s->exports.format, "mermaid, chrome or html")
    ->required()
    ->check(CLI::IsMember({"mermaid", "chrome", "html"}));
  exp->add_option("-o,--output", s->exports.output,
                  "Output file, - for stdout (default: stdout for mermaid, FILE.json or FILE.html)");
  add_filter_options(*exp, s->exports.filters);
  on_run(*exp, exit_code, out, err,
         [s](auto& o, auto& e) { return run_export(s->file, s->exports, o, e); });
  return trace;
}

CLI::App* add_trace_subcommand(CLI::App& parent, int& exit_code) {
  return add_trace_subcommand(parent, exit_code, std::cout, std::cerr);
}

} // namespace parley::trace::inspect
