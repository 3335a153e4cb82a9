// Helpers of the trace inspector tests: fixture paths, scratch directories and running the
// `trace` command line in-process with its output captured.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "trace/inspect/trace_cli.hpp"

namespace parley::trace::test {

/// A file in tests/trace/fixtures.
inline std::string fixture(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / "fixtures" / name).string();
}

/// A fresh, empty directory (removed by the destructor).
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "parley-trace-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct cli_result {
  int code = -1; ///< the command's exit code; 100 + CLI11's code for a parse error
  std::string out, err;
};

/// Runs `trace ARGS...` as `parley trace ARGS...` would.
inline cli_result run_trace(std::vector<std::string> args) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  std::ostringstream out, err;
  cli_result r;
  inspect::add_trace_subcommand(app, r.code, out, err);
  args.insert(args.begin(), "trace");
  std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    r.code = 100 + e.get_exit_code();
    err << e.what();
  }
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// The number of lines of `text` that start with `prefix`.
inline std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

} // namespace parley::trace::test
