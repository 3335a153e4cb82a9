// The `parley` program: `serve` runs the live server, `user` administers accounts.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "sim/strategy.hpp"
#include "trace/inspect/trace_cli.hpp"

using namespace parley::app;

namespace {

void add_user_commands(CLI::App& user, user_action& action, std::string& name) {
  user.require_subcommand(1);
  auto named = [&](const char* cmd, user_action a, const char* what) {
    auto* sub = user.add_subcommand(cmd, what);
    sub->add_option("NAME", name, "Account name")->required();
    sub->callback([&action, a] { action = a; });
  };
  named("add", user_action::add, "Add an account (password from the terminal or stdin)");
  named("del", user_action::del, "Delete an account");
  named("passwd", user_action::passwd, "Change an account's password");
  user.add_subcommand("list", "List accounts")->callback([&action] {
    action = user_action::list;
  });
}

void add_sim_options(CLI::App& sim, sim_options& o) {
  sim.add_option("--seed", o.seed, "Seed of a single run (default 1, or a scenario's own)");
  sim.add_option("--seeds", o.seeds, "A..B: run every seed from A to B (a swarm)");
  sim.add_option("--clients", o.clients, "Random clients")->capture_default_str();
  sim.add_option("--faults", o.faults, "Fault kinds (comma separated) or none; default: the seed chooses")
    ->delimiter(',');
  sim.add_option("--duration", o.duration, "Virtual time of client activity (600s, 10m)")
    ->capture_default_str();
  sim.add_option("--activity", o.activity, "Actions per client per minute, on average")
    ->check(CLI::Range(0.1, 6000.0))
    ->capture_default_str();
  sim.add_option("--irc-share", o.irc_share, "Share of random clients that speak IRC (0 to 1)")
    ->check(CLI::Range(0.0, 1.0))
    ->capture_default_str();
  sim.add_option("--addresses", o.addresses,
                 "Client addresses, seeded (0: all from one, per-address limits off; N: the "
                 "server's per-address limits on, at their defaults)")
    ->check(CLI::Range(0, 1000000))
    ->capture_default_str();
  sim.add_option("--strategy", o.strategy,
                 "Scheduling: uniform, delay, pct, pct-delay, fifo, or swarm (the seed chooses)")
    ->check(CLI::IsMember(parley::sim::strategy_choices()))
    ->capture_default_str();
  sim.add_option("--jobs", o.jobs, "Worker processes for a swarm")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  sim.add_option("--scenario", o.scenario, "Replay a scenario file")->check(CLI::ExistingFile);
  sim.add_option("--trace", o.trace, "Write the run's trace (JSON Lines, docs/traces.md) to FILE");
  sim.add_flag("--check-determinism", o.check_determinism,
               "Run the seed twice and compare the full event logs");
  sim.add_flag("--coverage", o.coverage,
               "Report how often each message type, handler, session command and oracle rule "
               "was exercised, and which never were");
  sim.add_option("--coverage-json", o.coverage_json, "Write the coverage report as JSON to FILE "
                                                     "(implies --coverage)");
  sim.add_option("--coverage-allow", o.coverage_allow,
                 "Fail unless every handler and session command was exercised or is on this "
                 "allow-list FILE (implies --coverage)")
    ->check(CLI::ExistingFile);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parley: a chat server whose every behaviour can be replayed"};
  app.require_subcommand(1);
  app.fallthrough(); // shared options may follow the subcommand
  common_options common;
  serve_options serve_opts;
  add_common_options(app, common);
  auto* serve = app.add_subcommand("serve", "Run the live chat server");
  add_serve_options(*serve, serve_opts);
  auto* user = app.add_subcommand("user", "Administer accounts in the user store");
  user_action action = user_action::list;
  std::string name;
  add_user_commands(*user, action, name);
  auto* sim = app.add_subcommand("sim", "Run the deterministic simulator");
  sim_options sim_opts;
  add_sim_options(*sim, sim_opts);
  int trace_exit = 0;
  auto* trace = parley::trace::inspect::add_trace_subcommand(app, trace_exit);
  CLI11_PARSE(app, argc, argv);
  if (trace->parsed())
    return trace_exit;

  auto logger = spdlog::stderr_color_mt("parley");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(common.log_level));
  if (serve->parsed())
    return run_serve(common, serve_opts);
  if (sim->parsed())
    return run_sim(sim_opts);
  return run_user(common, action, name);
}
