// The subcommands of the `parley` program, each returning the process exit code.
#pragma once

#include <string>

#include "app/options.hpp"

namespace parley::app {

int run_serve(const common_options& common, const serve_options& opts);

enum class user_action { add, del, list, passwd };
int run_user(const common_options& common, user_action action, const std::string& name);

} // namespace parley::app
