// One simulated run (see run.hpp).
#include "sim/run.hpp"

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "caf/all.hpp"

#include "sim/oracle.hpp"
#include "sim/random_client.hpp"
#include "sim/random_irc_client.hpp"
#include "trace/tracer.hpp"

namespace parley::sim {

namespace {

// FNV-1a over every handled message: cheap, and any divergence changes it.
struct event_log : world_observer {
  std::uint64_t hash = 1469598103934665603ull;
  bool keep = false;
  std::vector<std::string> lines;
  world_observer* also = nullptr; ///< another observer (the coverage counter), if any

  void mix(const std::string& s) {
    for (unsigned char c : s)
      hash = (hash ^ c) * 1099511628211ull;
  }
  void mix(std::uint64_t x) {
    for (int i = 0; i < 8; ++i, x >>= 8)
      hash = (hash ^ (x & 0xff)) * 1099511628211ull;
  }
  void on_step(vtime t, std::uint64_t receiver, const std::string& content) override {
    mix(static_cast<std::uint64_t>(t.count()));
    mix(receiver);
    mix(content);
    if (also)
      also->on_step(t, receiver, content);
    if (keep)
      lines.push_back(std::to_string(t.count()) + "ns actor " + std::to_string(receiver) + " " + content);
  }
};

client_mix make_mix(std::size_t clients, double activity_per_minute, prng& rng) {
  client_mix mix;
  auto weights = rng.fork(); // swarm testing: this run's mix of line-client actions
  mix.line_weights = swarm_line_weights(weights);
  // Think times spread evenly around the mean interval between actions.
  auto mean = 60e9 / std::max(activity_per_minute, 0.01);
  mix.min_think = vtime{static_cast<vtime::rep>(mean * 0.2)};
  mix.max_think = vtime{static_cast<vtime::rep>(mean * 1.8)};
  auto names = clients + clients / 2 + 1; // more names than clients, some shared
  for (std::size_t i = 0; i < names; ++i)
    mix.names.push_back("user" + std::to_string(i));
  mix.rooms = {"lobby", "games", "dev", "music", "random"};
  return mix;
}

// The server operator accounts of a run with IRC: the first two names of the pool.
std::vector<std::string> irc_operator_accounts() { return {"user0", "user1"}; }

void schedule_crashes(world& w, chaos_actor chaos, fault_plan& plan, prng& rng,
                      const client_mix& mix, vtime until) {
  if (plan.crash_interval.count() == 0)
    return;
  auto mean = static_cast<std::uint64_t>(plan.crash_interval.count());
  for (vtime t{static_cast<vtime::rep>(rng.between(mean / 2, mean * 3 / 2))}; t < until;
       t += vtime{static_cast<vtime::rep>(rng.between(mean / 2, mean * 3 / 2))}) {
    bool room = plan.has("crash-room") && (!plan.has("crash-conn") || rng.chance(500));
    auto target = room ? mix.rooms[rng.below(mix.rooms.size())]
                       : mix.names[rng.below(mix.names.size())];
    w.events().at(t, [&plan, chaos, room, target] {
      if (!plan.enabled)
        return;
      if (room)
        caf::anon_send(chaos, crash_room{target});
      else
        caf::anon_send(chaos, crash_user{target});
    });
  }
}

// The world of a run: its seed, its network's unkindness, its scheduling, and the server's
// settings (with IRC, an IRC listener like the line protocol's).
world_options make_world_options(const run_options& opts, schedule_strategy strategy,
                                 const fault_plan& plan, prng& rng) {
  world_options wo;
  wo.seed = rng.next();
  wo.network = unkind_network_options(rng.fork()); // merged reads, Nagle, coarse ticks
  wo.strategy = strategy;
  wo.network.refuse_per_mille = plan.refuse_per_mille;
  if (opts.make_room)
    wo.server.directory.make_room = opts.make_room;
  wo.server.listener.connection.failed_login_delay_ms = 200;
  if (opts.irc_share > 0) {
    wo.server.irc_listener = wo.server.listener; // the same limits; spawn_server makes it IRC
    // Two accounts of the name pool may OPER (and then KILL): fixed, not drawn, so the run's
    // streams stay as they were.
    wo.server.irc_listener->connection.irc_operators = irc_operator_accounts();
  }
  if (opts.addresses > 0) { // a stream of the network's own: the other draws stay the same
    wo.network.client_addresses = opts.addresses;
    wo.server.per_address = address_limits_config{};
  }
  return wo;
}

// The run's tracer, if opts asks for a trace. The trace's clock is the world's virtual time,
// read through `running`: the tracer goes into the world's options, so it exists before the
// world, which exists only once its actors do.
std::unique_ptr<trace::tracer> make_tracer(const run_options& opts, const fault_plan& plan,
                                           world*& running) {
  if (opts.trace_path.empty())
    return nullptr;
  return std::make_unique<trace::tracer>(
    opts.trace_path, [&running] { return running ? running->now().count() : 0; },
    "{\"clock\":\"virtual\",\"source\":\"sim\",\"seed\":" + std::to_string(opts.seed) +
      ",\"faults\":" + trace::json_string(plan.describe()) + "}");
}

// With authentication faults in the plan, the server's authenticator is wrapped in a faulty
// one that draws from `auth_rng` (each wrapping from the same stream).
void add_auth_faults(server_config& server, const fault_plan& plan, prng auth_rng,
                     trace::tracer* tracer) {
  if (plan.slow_auth_per_mille > 0 || plan.fail_auth_per_mille > 0)
    server.decorate_auth = [&plan, auth_rng, t = tracer](caf::actor_system& sys,
                                                         authenticator_actor a) {
      return spawn_faulty_auth(sys, a, random_auth_policy(plan, auth_rng), t);
    };
}

// The run's clients, in order, each with its own stream forked from `rng`, started at a
// random instant of the first two seconds.
std::vector<std::unique_ptr<random_agent>> start_clients(world& w, const run_options& opts,
                                                         const client_mix& mix, fault_plan& plan,
                                                         prng& rng, run_result& res) {
  std::vector<std::unique_ptr<random_agent>> clients;
  auto irc_per_mille = static_cast<std::uint64_t>(std::clamp(opts.irc_share, 0.0, 1.0) * 1000 + 0.5);
  for (std::size_t i = 0; i < opts.clients; ++i) {
    auto own = rng.fork();
    // Drawn from the client's own stream only when IRC is on, so that irc_share 0 gives
    // exactly the line-protocol-only runs.
    if (opts.irc_share > 0 && own.chance(irc_per_mille)) {
      clients.push_back(std::make_unique<random_irc_client>(w, static_cast<int>(i), own, mix, plan));
      ++res.irc_clients;
    } else {
      clients.push_back(std::make_unique<random_client>(w, static_cast<int>(i), own, mix, plan));
    }
    auto start = vtime{static_cast<vtime::rep>(rng.below(2'000'000'000))};
    clients.back()->start(start, opts.duration);
  }
  return clients;
}

// The oracle's verdict on the ended run (none past a livelock: the transcripts stop there),
// with the run's chat and session counts.
void judge_run(const run_options& opts, world& w,
               const std::vector<std::unique_ptr<random_agent>>& clients, fault_plan& plan,
               std::uint64_t max_output, run_result& res) {
  oracle_input in;
  for (auto& c : clients) {
    res.chat_lines += c->chat_lines_sent();
    for (auto& s : c->sessions()) {
      in.sessions.push_back(&s);
      res.deliveries += s.endpoint->received().size();
    }
  }
  res.sessions = in.sessions.size();
  if (opts.inspect)
    opts.inspect(in.sessions);
  in.faults = &plan;
  in.max_output_bytes = max_output;
  in.max_unflushed_seen = w.net().max_unflushed_seen();
  in.end_of_run = w.now();
  in.rule_checks = &res.rule_checks;
  if (const auto& stuck = w.livelock())
    res.violations = {livelock_violation(*stuck)}; // the transcripts stop there: no oracle
  else
    res.violations = check_invariants(in);
}

// What the network counted, for the report.
void count_network(const network& net, run_result& res) {
  res.faults = net.faults_injected();
  res.server_reads = net.server_reads();
  res.multi_line_reads = net.multi_line_reads();
  res.lines_read = net.lines_read();
  res.lines_in_multi_line_reads = net.lines_in_multi_line_reads();
  res.fan_outs_held = net.fan_outs_held();
}

// The listeners' per-address refusals, for the report. Each listener keeps its own counts (no
// state shared between actors), so they are asked for, as a message, and added up. The
// question and its answers are no part of the run: they are left out of its message count.
std::uint64_t count_per_address(world& w, run_result& res) {
  if (!w.server().per_address)
    return 0;
  auto before = w.messages_processed();
  std::vector<listener_actor> listeners{w.server().listener};
  if (w.server().irc_listener)
    listeners.push_back(w.server().irc_listener);
  std::size_t answered = 0;
  for (const auto& l : listeners)
    w.system().spawn([&res, &answered, l](caf::event_based_actor* self) {
      self->request(l, caf::infinite, listener_stats{})
        .then([&res, &answered](const listener_stats_result& r) {
          res.refused_per_address_count += r.refused_per_address_count;
          res.refused_per_address_rate += r.refused_per_address_rate;
          ++answered;
        });
    });
  w.run_until([&] { return answered == listeners.size(); }, w.now() + std::chrono::seconds{10});
  return w.messages_processed() - before;
}

// The run in its world: clients act and faults strike until opts.duration; then the faults
// stop, every client reads again and sends a final probe, and the world runs 30 s more to go
// quiet. The oracle judges the transcripts before the world goes; `running` points to the
// world while it exists.
void run_world(const run_options& opts, world_options wo, fault_plan& plan, prng& rng,
               world*& running, event_log& log, run_result& res) {
  auto max_output = wo.server.listener.connection.max_output_bytes;
  auto* tracer = wo.server.tracer;
  world w{std::move(wo)};
  running = &w;
  w.set_observer(&log);
  auto mix = make_mix(opts.clients, opts.activity_per_minute, rng);
  mix.irc_weights = irc_swarm_weights(opts.seed); // shared by the run's IRC clients
  if (opts.irc_share > 0)
    mix.irc_operators = irc_operator_accounts();
  auto clients = start_clients(w, opts, mix, plan, rng, res);
  auto chaos = spawn_chaos(w.system(), w.server().directory, tracer);
  schedule_crashes(w, chaos, plan, rng, mix, opts.duration);
  w.run_until(opts.duration);
  // Faults stop; every client reads again and sends a final probe; then quiet.
  plan.enabled = false;
  w.net().options().refuse_per_mille = 0;
  for (auto& c : clients)
    c->finish();
  w.run_until(opts.duration + std::chrono::seconds{30});
  res.virtual_time = w.now();
  judge_run(opts, w, clients, plan, max_output, res);
  count_network(w.net(), res);
  auto report_messages = count_per_address(w, res);
  caf::anon_send_exit(chaos, caf::exit_reason::user_shutdown);
  w.shutdown();
  res.messages = w.messages_processed() - report_messages;
  running = nullptr; // the world's clock goes with it
}

} // namespace

std::string livelock_violation(const world::livelock_report& r) {
  return "livelock at " + format_vtime(r.at) + ": over " + std::to_string(world::livelock_limit) +
         " actor messages at that virtual instant and time never moved on (the last: " +
         r.sample + ")";
}

std::string hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string replay_command(const run_options& o) {
  // Exact values, so that the command replays the very same run.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(o.duration);
  auto duration = ms == o.duration ? std::to_string(ms.count()) + "ms"
                                   : std::to_string(o.duration.count()) + "ns";
  auto cmd = "parley sim --seed " + std::to_string(o.seed) + " --clients " +
             std::to_string(o.clients) + " --duration " + duration;
  if (o.activity_per_minute != run_options{}.activity_per_minute) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", o.activity_per_minute);
    cmd += std::string{" --activity "} + buf;
  }
  if (o.irc_share != run_options{}.irc_share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", o.irc_share);
    cmd += std::string{" --irc-share "} + buf;
  }
  if (o.addresses != run_options{}.addresses)
    cmd += " --addresses " + std::to_string(o.addresses);
  if (!o.faults.empty()) {
    std::string list;
    for (const auto& f : o.faults)
      list += (list.empty() ? "" : ",") + f;
    cmd += " --faults " + list;
  }
  cmd += " --strategy " + o.strategy; // swarm: the same seed chooses the same strategy
  return cmd;
}

run_result run_simulation(const run_options& opts) {
  auto wall_start = std::chrono::steady_clock::now(); // reporting only; never steers the run
  auto strategy = resolve_strategy(opts.strategy, opts.seed);
  if (!strategy)
    throw std::invalid_argument{"unknown scheduling strategy '" + opts.strategy + "'"};
  // The run's stream is drawn in this order: the faults, the world, the authenticator's
  // stream, then (run_world) the client mix, each client, the crashes (docs/simulation.md,
  // "The phases of a run"). Any other order replays recorded seeds differently.
  prng rng{opts.seed};
  auto plan = make_fault_plan(rng, opts.faults);
  auto wo = make_world_options(opts, *strategy, plan, rng);
  auto auth_rng = rng.fork();
  world* running = nullptr; // the trace's clock (make_tracer)
  auto tracer = make_tracer(opts, plan, running);
  wo.server.tracer = tracer.get();
  add_auth_faults(wo.server, plan, auth_rng, tracer.get());
  run_result res;
  res.fault_summary = plan.describe();
  res.strategy = strategy_name(*strategy);
  event_log log;
  log.keep = opts.keep_event_log;
  std::unique_ptr<coverage::counter> counted;
  if (opts.coverage) {
    counted = std::make_unique<coverage::counter>();
    counted->observe_commands(wo.server);
    log.also = counted.get();
  }
  run_world(opts, std::move(wo), plan, rng, running, log, res);
  if (counted) {
    res.coverage = counted->result();
    res.coverage.rules = res.rule_checks;
    res.coverage.runs = 1;
  }
  res.event_hash = log.hash;
  res.event_log = std::move(log.lines);
  res.wall_seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return res;
}

} // namespace parley::sim
