// The options' translation into a server configuration (see options.hpp). Apart from
// options.cpp, which only registers the options, so that fuzz/fuzz_config.cpp can read config
// files without linking the server.
#include "app/options.hpp"

#include <chrono>
#include <fstream>

#include "protocol/names.hpp"

namespace parley::app {

std::string user_store_path(const common_options& common) {
  return common.data_dir + "/users.db";
}

server_config make_server_config(const common_options& common, const serve_options& o) {
  server_config cfg;
  auto& conn = cfg.listener.connection;
  cfg.listener.max_connections = o.max_connections;
  cfg.per_address.max_connections = o.max_connections_per_address;
  cfg.per_address.connect_burst = o.connect_burst_per_address;
  cfg.per_address.connect_interval_ms = o.connect_interval_per_address_ms;
  cfg.listener.shutdown_timeout_ms = o.shutdown_timeout_ms;
  conn.allow_register = o.allow_register;
  conn.max_line_bytes = o.max_line_bytes;
  conn.max_output_bytes = o.max_output_bytes;
  conn.failed_login_delay_ms = o.failed_login_delay_ms;
  conn.login_timeout_ms = o.login_timeout_ms;
  { // The actor clock is steady; users see wall-clock time (IRC TIME, server-time, topic
    // times, WHOIS sign-on times, for line-protocol users too).
    using namespace std::chrono;
    conn.wall_clock_offset_ms =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() -
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
  auto path = user_store_path(common);
  cfg.auth.open_store = [path] { return store::open_sqlite_user_store(path); };
  cfg.auth.make_hasher = [] { return store::make_argon2id_hasher(store::hash_cost::interactive); };
  cfg.auth.workers = o.auth_workers;
  cfg.auth.detached_workers = true;
  if (!(o.irc_listen.size() == 1 && o.irc_listen[0] == "none")) {
    auto irc = cfg.listener;
    irc.connection.server_name = o.server_name;
    irc.connection.network_name = o.network_name;
    irc.connection.irc_require_account = o.irc_require_account;
    irc.connection.irc_flood_penalty_ms = o.irc_flood_penalty_ms;
    irc.connection.irc_flood_burst_ms = o.irc_flood_burst_ms;
    for (const auto& name : o.irc_operators) // validated by --irc-oper's check
      irc.connection.irc_operators.push_back(protocol::normalize_user_name(name).value_or(name));
    if (!o.motd_file.empty()) {
      std::ifstream in{o.motd_file};
      for (std::string line; std::getline(in, line);)
        irc.connection.motd.push_back(line);
    }
    cfg.irc_listener = irc;
  }
  return cfg;
}

} // namespace parley::app
