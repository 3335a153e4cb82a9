// `parley sim`: one seeded run, a swarm of seeds over worker processes, a determinism self-check,
// or the replay of a scenario file. Exit status 0 only if every run kept every invariant.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "sim/run.hpp"
#include "sim/faults.hpp"
#include "sim/scenario.hpp"

namespace parley::app {

namespace {

// A failing seed is run once more with tracing (the run is deterministic, so it is the same
// run) and its trace is kept next to the replay command.
std::string trace_failing_seed(sim::run_options o) {
  if (!o.trace_path.empty())
    return o.trace_path;
  o.trace_path = "parley-seed-" + std::to_string(o.seed) + ".trace.jsonl";
  sim::run_simulation(o);
  return o.trace_path;
}

void print_summary(const sim::run_options& o, const sim::run_result& r) {
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(o.seed), r.ok() ? "ok" : "FAILED");
  std::printf("  faults       %s (%llu network faults injected)\n", r.fault_summary.c_str(),
              static_cast<unsigned long long>(r.faults));
  std::printf("  strategy     %s%s (%llu fan-out parts met a join's hold)\n", r.strategy.c_str(),
              o.strategy == "swarm" ? ", the seed's choice" : "",
              static_cast<unsigned long long>(r.fan_outs_held));
  std::printf("  clients      %zu (%llu sessions)\n", o.clients,
              static_cast<unsigned long long>(r.sessions));
  if (o.addresses > 0)
    std::printf("  addresses    %zu, per-address limits refused %llu connections (%llu at once, "
                "%llu too fast)\n",
                o.addresses,
                static_cast<unsigned long long>(r.refused_per_address_count +
                                                r.refused_per_address_rate),
                static_cast<unsigned long long>(r.refused_per_address_count),
                static_cast<unsigned long long>(r.refused_per_address_rate));
  std::printf("  messages     %llu actor messages, %llu chat lines sent, %llu lines delivered\n",
              static_cast<unsigned long long>(r.messages),
              static_cast<unsigned long long>(r.chat_lines),
              static_cast<unsigned long long>(r.deliveries));
  std::printf("  time         %s virtual, %.3fs wall (%.0fx real time, %.0f messages/s)\n",
              sim::format_vtime(r.virtual_time).c_str(), r.wall_seconds,
              r.wall_seconds > 0 ? static_cast<double>(r.virtual_time.count()) / 1e9 / r.wall_seconds : 0.0,
              r.wall_seconds > 0 ? static_cast<double>(r.messages) / r.wall_seconds : 0.0);
  std::printf("  event hash   %s\n", sim::hex(r.event_hash).c_str());
  for (const auto& v : r.violations)
    std::printf("  VIOLATION    %s\n", v.c_str());
  if (!r.ok()) {
    std::printf("  replay with  %s\n", sim::replay_command(o).c_str());
    std::printf("  trace        %s\n", trace_failing_seed(o).c_str());
  }
}

int check_determinism(sim::run_options o) {
  o.keep_event_log = true;
  auto a = sim::run_simulation(o);
  auto b = sim::run_simulation(o);
  if (a.event_hash == b.event_hash && a.event_log == b.event_log) {
    std::printf("seed %llu: deterministic (%zu events, hash %s)\n",
                static_cast<unsigned long long>(o.seed), a.event_log.size(),
                sim::hex(a.event_hash).c_str());
    return 0;
  }
  std::size_t i = 0;
  while (i < a.event_log.size() && i < b.event_log.size() && a.event_log[i] == b.event_log[i])
    ++i;
  std::printf("seed %llu: NOT DETERMINISTIC: first divergence at event %zu\n",
              static_cast<unsigned long long>(o.seed), i);
  for (std::size_t k = i > 3 ? i - 3 : 0; k < i + 3; ++k) {
    std::printf("  run 1 #%zu: %s\n", k, k < a.event_log.size() ? a.event_log[k].c_str() : "<end>");
    std::printf("  run 2 #%zu: %s\n", k, k < b.event_log.size() ? b.event_log[k].c_str() : "<end>");
  }
  return 1;
}

// Prints the coverage report, writes its JSON and checks the allow-list, as asked; 1 if the
// allow-list check failed (or a file could not be used), else 0.
int finish_coverage(const sim::coverage::counts& c, const sim_options& so) {
  std::printf("\n%s", sim::coverage::report(c).c_str());
  int status = 0;
  if (!so.coverage_json.empty()) {
    std::ofstream out(so.coverage_json);
    out << sim::coverage::report_json(c);
    if (!out) {
      std::fprintf(stderr, "parley: cannot write %s\n", so.coverage_json.c_str());
      status = 1;
    }
  }
  if (!so.coverage_allow.empty()) {
    std::ifstream in(so.coverage_allow);
    std::stringstream text;
    text << in.rdbuf();
    auto problems = sim::coverage::check_allow_list(c, text.str());
    std::printf("\ncoverage check against %s: %s\n", so.coverage_allow.c_str(),
                problems.empty() ? "ok" : "FAILED");
    for (const auto& p : problems)
      std::printf("  %s\n", p.c_str());
    if (!problems.empty())
      status = 1;
  }
  std::fflush(stdout);
  return status;
}

bool write_all(int fd, const std::string& s) {
  for (std::size_t done = 0; done < s.size();) {
    auto n = write(fd, s.data() + done, s.size() - done);
    if (n < 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// A worker process runs every J-th seed and reports one line per seed on its pipe; with
// coverage, its sums follow as a block of "cov ..." lines (sim::coverage::serialize) at the end.
void swarm_worker(sim::run_options o, std::uint64_t first, std::uint64_t last, unsigned j,
                  unsigned jobs, int fd) {
  sim::coverage::counts covered;
  for (auto seed = first + j; seed <= last; seed += jobs) {
    o.seed = seed;
    auto r = sim::run_simulation(o);
    if (!r.ok())
      trace_failing_seed(o);
    covered.add(r.coverage);
    std::ostringstream line;
    line << seed << ' ' << (r.ok() ? "ok" : "fail") << ' '
         << (r.violations.empty() ? std::string{"-"} : r.violations.front()) << '\n';
    if (!write_all(fd, line.str()))
      _exit(2);
  }
  if (o.coverage && !write_all(fd, sim::coverage::serialize(covered)))
    _exit(2);
  _exit(0);
}

struct swarm_progress {
  std::uint64_t total = 0, done = 0, failed = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void show() const {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = secs > 0 ? done / secs : 0;
    double left = rate > 0 ? (total - done) / rate : 0;
    std::fprintf(stderr, "\r%llu/%llu seeds, %llu failed, %.1f seeds/s, %.0fs left   ",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 static_cast<unsigned long long>(failed), rate, left);
  }
};

// Forks one worker per job (swarm_worker), each with its own pipe; false if a pipe could not
// be made.
bool fork_workers(const sim::run_options& o, std::uint64_t first, std::uint64_t last,
                  unsigned jobs, std::vector<int>& fds, std::vector<pid_t>& pids) {
  for (unsigned j = 0; j < jobs; ++j) {
    int p[2];
    if (pipe(p) != 0)
      return false;
    auto pid = fork();
    if (pid == 0) {
      close(p[0]);
      swarm_worker(o, first, last, j, jobs, p[1]);
    }
    close(p[1]);
    fds.push_back(p[0]);
    pids.push_back(pid);
  }
  return true;
}

// One line of a worker's report: a line of its coverage sums, or a seed's verdict. A failed
// seed is printed at once, with the command that replays it.
void take_worker_line(const std::string& text, const sim::run_options& o, bool tty,
                      swarm_progress& prog, sim::coverage::counts& covered) {
  if (sim::coverage::parse_line(text, covered))
    return;
  std::istringstream in(text);
  std::uint64_t seed;
  std::string status, first_violation;
  in >> seed >> status;
  std::getline(in, first_violation);
  ++prog.done;
  if (status == "ok")
    return;
  ++prog.failed;
  auto failed = o;
  failed.seed = seed;
  if (tty)
    std::fprintf(stderr, "\n");
  std::printf("seed %llu FAILED:%s\n  replay with: %s\n  trace: parley-seed-%llu.trace.jsonl\n",
              static_cast<unsigned long long>(seed), first_violation.c_str(),
              sim::replay_command(failed).c_str(), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
}

// Reads the workers' pipes until every one is closed, taking each complete line as it comes;
// on a terminal the progress line is redrawn at least once a second.
void read_workers(std::vector<int> fds, const sim::run_options& o, bool tty,
                  swarm_progress& prog, sim::coverage::counts& covered) {
  std::vector<std::string> partial(fds.size());
  std::size_t open_pipes = fds.size();
  while (open_pipes > 0) {
    std::vector<pollfd> pfds;
    for (int fd : fds)
      pfds.push_back({fd, fd >= 0 ? short(POLLIN) : short(0), 0});
    poll(pfds.data(), pfds.size(), 1000);
    for (std::size_t j = 0; j < fds.size(); ++j) {
      if (fds[j] < 0 || !(pfds[j].revents & (POLLIN | POLLHUP)))
        continue;
      char buf[4096];
      auto n = read(fds[j], buf, sizeof buf);
      if (n <= 0) {
        close(fds[j]);
        fds[j] = -1;
        --open_pipes;
        continue;
      }
      partial[j].append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = partial[j].find('\n')) != std::string::npos) {
        auto text = partial[j].substr(0, nl);
        partial[j].erase(0, nl + 1);
        take_worker_line(text, o, tty, prog, covered);
      }
    }
    if (tty)
      prog.show();
  }
}

// Waits for every worker; false if one did not exit with status 0 (it could not write to its
// pipe, or it crashed).
bool wait_for_workers(const std::vector<pid_t>& pids) {
  bool all_ok = true;
  for (auto pid : pids) {
    int st = 0;
    waitpid(pid, &st, 0);
    all_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  return all_ok;
}

// The seeds first..last, spread over `jobs` worker processes; 0 only if every seed ran and
// passed (and the coverage check, if asked for, passed too).
int run_swarm(const sim::run_options& o, std::uint64_t first, std::uint64_t last, unsigned jobs,
              const sim_options& so) {
  std::fflush(stdout);
  std::vector<int> fds;
  std::vector<pid_t> pids;
  if (!fork_workers(o, first, last, jobs, fds, pids))
    return 2;
  swarm_progress prog;
  prog.total = last - first + 1;
  bool tty = isatty(STDERR_FILENO);
  sim::coverage::counts covered; // the workers' sums, summed
  read_workers(std::move(fds), o, tty, prog, covered);
  bool workers_ok = wait_for_workers(pids);
  if (tty)
    std::fprintf(stderr, "\n");
  std::printf("%llu seeds, %llu failed\n", static_cast<unsigned long long>(prog.done),
              static_cast<unsigned long long>(prog.failed));
  int coverage_status = o.coverage ? finish_coverage(covered, so) : 0;
  return prog.failed == 0 && workers_ok && prog.done == prog.total && coverage_status == 0
           ? 0
           : 1;
}

} // namespace

int run_sim(const sim_options& so) {
  sim::run_options o;
  o.clients = so.clients;
  o.faults = so.faults;
  o.activity_per_minute = so.activity;
  o.irc_share = so.irc_share;
  o.addresses = so.addresses;
  o.coverage = so.coverage || !so.coverage_json.empty() || !so.coverage_allow.empty();
  o.strategy = so.strategy;
  auto d = sim::parse_duration(so.duration);
  if (!d) {
    std::cerr << "parley: bad duration '" << so.duration << "' (use e.g. 600s, 10m, 250ms)\n";
    return 2;
  }
  o.duration = *d;
  for (const auto& f : so.faults) {
    const auto& kinds = sim::fault_kinds();
    if (f != "none" && std::find(kinds.begin(), kinds.end(), f) == kinds.end()) {
      std::string known;
      for (const auto& k : kinds)
        known += " " + k;
      std::cerr << "parley: unknown fault '" << f << "' (known: none" << known << ")\n";
      return 2;
    }
  }
  if (so.check_determinism && (!so.seeds.empty() || !so.scenario.empty())) {
    std::cerr << "parley: --check-determinism checks one seed: use it with --seed\n";
    return 2;
  }
  if (o.coverage && (so.check_determinism || !so.scenario.empty())) {
    std::cerr << "parley: --coverage counts random runs: use it with --seed or --seeds\n";
    return 2;
  }
  if (!so.scenario.empty())
    return sim::replay_scenario_file(so.scenario, so.seed, std::cout, so.trace) ? 0 : 1;
  if (!so.seeds.empty()) {
    auto dots = so.seeds.find("..");
    if (dots == std::string::npos) {
      std::cerr << "parley: --seeds takes A..B\n";
      return 2;
    }
    std::uint64_t first = 0, last = 0;
    try {
      std::size_t used_a = 0, used_b = 0;
      first = std::stoull(so.seeds.substr(0, dots), &used_a);
      last = std::stoull(so.seeds.substr(dots + 2), &used_b);
      if (used_a != dots || used_b != so.seeds.size() - dots - 2)
        throw std::invalid_argument{"trailing characters"};
    } catch (const std::exception&) {
      std::cerr << "parley: --seeds takes A..B with whole numbers, got '" << so.seeds << "'\n";
      return 2;
    }
    if (last < first) {
      std::cerr << "parley: --seeds A..B needs A <= B\n";
      return 2;
    }
    return run_swarm(o, first, last, so.jobs, so);
  }
  o.seed = so.seed == 0 ? 1 : so.seed;
  o.trace_path = so.trace;
  if (so.check_determinism)
    return check_determinism(o);
  auto r = sim::run_simulation(o);
  print_summary(o, r);
  int coverage_status = o.coverage ? finish_coverage(r.coverage, so) : 0;
  return r.ok() && coverage_status == 0 ? 0 : 1;
}

} // namespace parley::app
