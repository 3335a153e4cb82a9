// Option definitions (see options.hpp); make_config.cpp turns them into a server configuration.
#include "app/options.hpp"

#include <CLI/CLI.hpp>

#include "protocol/names.hpp"

namespace parley::app {

void add_common_options(CLI::App& app, common_options& opts) {
  app.set_config("--config", "", "Read options from this TOML file (the command line wins)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.add_option("--data-dir", opts.data_dir, "Directory for the user store (created if missing)")
    ->capture_default_str();
  app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error or off")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
    ->capture_default_str();
}

// How many clients at once, and per address (actors/address_limits.hpp, docs/security.md).
void add_connection_limits(CLI::App& serve, serve_options& o) {
  serve.add_option("--max-connections", o.max_connections, "Clients at once; more are refused")
    ->check(CLI::Range(1, 1000000))
    ->capture_default_str();
  serve.add_option("--max-connections-per-address", o.max_connections_per_address,
                   "Clients at once from one address, on each port (0: no limit)")
    ->check(CLI::Range(0, 1000000))
    ->capture_default_str();
  serve.add_option("--connect-burst-per-address", o.connect_burst_per_address,
                   "New connections one address may open at once ... (0: no rate limit)")
    ->check(CLI::Range(0, 1000000))
    ->capture_default_str();
  serve.add_option("--connect-interval-per-address-ms", o.connect_interval_per_address_ms,
                   "... and then one per this interval (0: no rate limit)")
    ->check(CLI::Range(0, 3600000))
    ->capture_default_str();
}

void add_serve_options(CLI::App& serve, serve_options& o) {
  serve.add_option("--listen", o.listen, "HOST:PORT to listen on (repeatable; port 0 picks one)")
    ->capture_default_str();
  serve.add_option("--allow-register", o.allow_register, "Let unknown names register (true/false)")
    ->capture_default_str();
  add_connection_limits(serve, o);
  serve.add_option("--max-line-bytes", o.max_line_bytes, "Longest input line accepted")
    ->check(CLI::Range(16, 65536))
    ->capture_default_str();
  serve.add_option("--max-output-bytes", o.max_output_bytes,
                   "Output queued for a client before it is dropped as too slow")
    ->check(CLI::Range(4096, 1 << 30))
    ->capture_default_str();
  serve.add_option("--failed-login-delay-ms", o.failed_login_delay_ms,
                   "Pause after a failed login, times the failures so far")
    ->capture_default_str();
  serve.add_option("--login-timeout-ms", o.login_timeout_ms, "Time allowed to log in")
    ->check(CLI::Range(100, 3600000))
    ->capture_default_str();
  serve.add_option("--auth-workers", o.auth_workers, "Threads for password hashing")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  serve.add_option("--threads", o.threads,
                   "Scheduler threads for the actors (0: one fewer than the cores, at least 1)")
    ->check(CLI::Range(0, 64))
    ->capture_default_str();
  serve.add_option("--scheduler", o.scheduler,
                   "sharing (idle workers wake at once) or stealing (they poll)")
    ->check(CLI::IsMember({"sharing", "stealing"}))
    ->capture_default_str();
  serve.add_option("--trace", o.trace, "Record every actor message to FILE (JSON Lines)");
  serve.add_option("--irc-listen", o.irc_listen, "HOST:PORT for IRC clients (repeatable; none: no IRC)")
    ->capture_default_str();
  serve.add_option("--server-name", o.server_name, "The IRC server name")->capture_default_str();
  serve.add_option("--network-name", o.network_name, "The IRC network name")->capture_default_str();
  serve.add_option("--motd-file", o.motd_file, "Message of the day for IRC clients")
    ->check(CLI::ExistingFile);
  serve.add_option("--irc-require-account", o.irc_require_account,
                   "IRC clients must authenticate (SASL or PASS) (true/false)")
    ->capture_default_str();
  serve.add_option("--irc-oper", o.irc_operators,
                   "An account that may become IRC operator with OPER and its password (repeatable)")
    ->check(CLI::Validator(
      [](std::string& name) {
        return protocol::normalize_user_name(name) ? std::string{}
                                                   : "not a valid account name: " + name;
      },
      "ACCOUNT"));
  serve.add_option("--irc-flood-penalty-ms", o.irc_flood_penalty_ms,
                   "IRC flood control: what each line costs (0: off, e.g. for benchmarks)")
    ->check(CLI::Range(0, 60000))
    ->capture_default_str();
  serve.add_option("--irc-flood-burst-ms", o.irc_flood_burst_ms,
                   "IRC flood control: how far ahead of the clock a client may run")
    ->check(CLI::Range(0, 3600000))
    ->capture_default_str();
  serve.add_option("--shutdown-timeout-ms", o.shutdown_timeout_ms,
                   "How long a graceful shutdown may take")
    ->capture_default_str();
}

} // namespace parley::app
