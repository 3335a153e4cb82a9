// Runs a shell command from a test and returns its exit status and what it printed: the tests
// that replay a printed `parley sim` command with another binary use it.
#pragma once

#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace parley::testing {

struct command_result {
  int status;         ///< the exit status, or -1 if the command did not exit
  std::string output; ///< its stdout
};

inline command_result run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr)
    return {-1, "popen failed for: " + cmd};
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace parley::testing
