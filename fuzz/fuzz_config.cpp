// Fuzz target: the config file (`parley --config FILE serve`; app/options, read by CLI11's TOML
// reader). docs/fuzzing.md. The input is the file; the options are registered as `parley`
// registers them (top-level keys for the shared options, a [serve] section for the server's).
// Asserts:
//  - parsing either succeeds or throws a CLI::ParseError, the one kind main() turns into an
//    error message and exit code (CLI11_PARSE); nothing else escapes;
//  - options that parsed hold their checks: the ranges, the log level and scheduler names, the
//    IRC operators' account names.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "app/options.hpp"
#include "fuzz/fuzz_check.hpp"
#include "protocol/names.hpp"

using namespace parley::app;

namespace {

const std::string& config_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    auto p = std::string{dir && *dir ? dir : "/tmp"} + "/parley-fuzz-config-" +
             std::to_string(getpid()) + ".toml";
    std::atexit([] { std::remove(config_path().c_str()); });
    return p;
  }();
  return path;
}

void check_parsed(const common_options& c, const serve_options& o) {
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  FUZZ_CHECK(std::any_of(std::begin(levels), std::end(levels),
                         [&](const char* l) { return c.log_level == l; }));
  FUZZ_CHECK(o.max_connections >= 1 && o.max_connections <= 1000000);
  FUZZ_CHECK(o.max_line_bytes >= 16 && o.max_line_bytes <= 65536);
  FUZZ_CHECK(o.max_output_bytes >= 4096 && o.max_output_bytes <= (1u << 30));
  FUZZ_CHECK(o.login_timeout_ms >= 100 && o.login_timeout_ms <= 3600000);
  FUZZ_CHECK(o.auth_workers >= 1 && o.auth_workers <= 64 && o.threads <= 64);
  FUZZ_CHECK(o.scheduler == "sharing" || o.scheduler == "stealing");
  FUZZ_CHECK(o.irc_flood_penalty_ms <= 60000 && o.irc_flood_burst_ms <= 3600000);
  for (const auto& name : o.irc_operators)
    FUZZ_CHECK(parley::protocol::normalize_user_name(name));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out{config_path(), std::ios::binary | std::ios::trunc};
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  CLI::App app{"parley"};
  app.require_subcommand(1);
  app.fallthrough();
  common_options common;
  serve_options serve_opts;
  add_common_options(app, common);
  auto* serve = app.add_subcommand("serve", "Run the live chat server");
  add_serve_options(*serve, serve_opts);
  // `parley --config FILE serve`; CLI11 takes the arguments in reverse order.
  std::vector<std::string> args{"serve", config_path(), "--config"};
  try {
    app.parse(args);
  } catch (const CLI::ParseError&) {
    return 0;
  }
  check_parsed(common, serve_opts);
  return 0;
}
