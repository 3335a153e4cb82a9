// The `parley` program: `serve` runs the live server, `user` administers accounts.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"

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
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("parley");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(common.log_level));
  if (serve->parsed())
    return run_serve(common, serve_opts);
  return run_user(common, action, name);
}
