// Command-line and config-file options of the `parley` program. CLI11 parses both: every
// option can also be set in a TOML config file given with --config (top-level keys for the
// shared options, a [serve] section for the server's), and the command line wins over the file.
// Unknown or malformed options, on the line or in the file, stop the program with an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/server.hpp"

namespace CLI {
class App;
}

namespace parley::app {

struct common_options {
  std::string data_dir = "parley-data";
  std::string log_level = "info";
};

struct serve_options {
  std::vector<std::string> listen{"127.0.0.1:7777"};
  bool allow_register = true;
  std::uint64_t max_connections = 10000;
  /// Per client address, on each port: each listener counts its own (docs/security.md); 0: no limit.
  std::uint32_t max_connections_per_address = address_limits_config{}.max_connections;
  std::uint32_t connect_burst_per_address = address_limits_config{}.connect_burst;
  std::uint32_t connect_interval_per_address_ms = address_limits_config{}.connect_interval_ms;
  std::size_t max_line_bytes = 512;
  std::size_t max_output_bytes = 1024 * 1024;
  std::uint32_t failed_login_delay_ms = 1000;
  std::uint32_t login_timeout_ms = 60000;
  std::size_t auth_workers = 2;
  /// CAF scheduler threads; 0: one fewer than the machine's cores, at least one (the
  /// middleman's thread, which runs every socket, takes the remaining core).
  std::size_t threads = 0;
  /// CAF's scheduler: "sharing" (one queue, idle workers wait on a condition variable and wake
  /// at once) or "stealing" (per-worker queues, idle workers poll and sleep up to 10 ms).
  std::string scheduler = "sharing";
  std::uint32_t shutdown_timeout_ms = 5000;
  std::string trace; ///< record every actor message to this file (docs/traces.md)
  // IRC front end
  std::vector<std::string> irc_listen{"127.0.0.1:6667"}; ///< "none": no IRC
  std::string server_name = "parley.local";
  std::string network_name = "Parley";
  std::string motd_file;
  bool irc_require_account = false;
  std::vector<std::string> irc_operators;     ///< accounts that may use OPER
  std::uint32_t irc_flood_penalty_ms = 500;   ///< 0: no flood control
  std::uint32_t irc_flood_burst_ms = 10000;
};

/// Registers the shared options (--config, --data-dir, --log-level) on the top-level app.
void add_common_options(CLI::App& app, common_options& opts);

/// Registers the server's options on the `serve` subcommand.
void add_serve_options(CLI::App& serve, serve_options& opts);

/// The server configuration the options describe (user store in the data directory).
server_config make_server_config(const common_options& common, const serve_options& opts);

/// Path of the SQLite user store inside the data directory.
std::string user_store_path(const common_options& common);

} // namespace parley::app
