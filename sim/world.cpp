// The simulated world and its run loop (see world.hpp).
#include "sim/world.hpp"

#include "caf/all.hpp"
#include "caf/scheduler/test_coordinator.hpp"

#include <deque>
#include <map>

namespace parley::sim {

struct world::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  caf::actor_clock::time_point start;

  // --- The exploring strategies' state (delay, pct, pct-delay) ---
  /// One entry per job of `sched->jobs`, in the same order: CAF only appends jobs, and the
  /// run loop moves the job it runs to the front of both. Keyed by position, never by address.
  struct pending_job {
    caf::resumable* job;
    std::uint64_t id;            ///< the actor's id (0: a job that is not an actor)
    vtime ready_at;              ///< not run before this virtual time
    /// The livelock guard's instant: when the timer or agenda event that started the chain of
    /// messages this job belongs to moved time (time moved by message delays does not count).
    vtime origin;
  };
  std::deque<pending_job> pending;
  prng rng{0};                   ///< delays and the delay strategy's picks
  message_delays delays;
  std::optional<pct_priorities> pct;
  bool delayed = false;
  vtime origin_now{0};                   ///< the origin of jobs that become ready now
  std::map<vtime, std::uint64_t> per_origin; ///< messages handled per origin (livelock guard)
  std::vector<std::uint8_t> slow; ///< by actor id: 0 not seen yet, 1 normal, 2 slow

  impl() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    start = sched->clock().current_time;
  }

  /// The earliest CAF timer, in virtual time.
  std::optional<vtime> next_timer() const {
    const auto& timers = sched->clock().schedule();
    if (timers.empty())
      return std::nullopt;
    return std::chrono::duration_cast<vtime>(timers.begin()->first - start);
  }

  /// Appends the jobs that became ready since the last step, each with its arrival delay; jobs
  /// made ready by a timer have none (a timer message is local to its actor, not in transit).
  void sync(vtime now, bool by_timer = false) {
    auto& jobs = sched->jobs;
    while (pending.size() < jobs.size()) {
      auto* job = jobs[pending.size()];
      auto* actor = dynamic_cast<caf::scheduled_actor*>(job);
      auto id = actor ? actor->id() : 0;
      auto wait = delayed && !by_timer ? delays.arrival(rng, is_slow(id)) : vtime{0};
      pending.push_back({job, id, now + wait, origin_now});
    }
  }

  /// Whether this actor is one of the run's slow ones, drawn when it is first seen.
  bool is_slow(std::uint64_t id) {
    if (id >= slow.size())
      slow.resize(std::max<std::size_t>(id + 1, slow.size() * 2), 0);
    if (slow[id] == 0)
      slow[id] = rng.chance(delays.slow_per_mille) ? 2 : 1;
    return slow[id] == 2;
  }

  /// The position of the job to run now, if any is due.
  std::optional<std::size_t> pick(vtime now, std::uint64_t step) {
    if (pct)
      return pick_by_priority(now, step);
    std::size_t due = 0;
    for (const auto& p : pending)
      due += p.ready_at <= now;
    if (due == 0)
      return std::nullopt;
    auto nth = rng.below(due);
    for (std::size_t i = 0;; ++i)
      if (pending[i].ready_at <= now && nth-- == 0)
        return i;
  }

  std::optional<std::size_t> highest_due(vtime now) {
    std::optional<std::size_t> best;
    std::uint64_t best_priority = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].ready_at > now)
        continue;
      auto p = pct->of(pending[i].id);
      if (!best || p > best_priority || (p == best_priority && pending[i].id < pending[*best].id)) {
        best = i;
        best_priority = p;
      }
    }
    return best;
  }

  std::optional<std::size_t> pick_by_priority(vtime now, std::uint64_t step) {
    auto best = highest_due(now);
    if (best && pct->change_point(step, pending[*best].id)) {
      // The actor about to run drops below all others; with delays it is also preempted for
      // a while, so that the rest of the world (inputs, timers) overtakes it.
      if (delayed)
        pending[*best].ready_at = now + delays.long_delay(rng);
      best = highest_due(now);
    }
    return best;
  }

  /// Moves pending job `i` to the front, in `jobs` as in `pending`.
  void to_front(std::size_t i) {
    if (i == 0)
      return;
    std::swap(sched->jobs[0], sched->jobs[i]);
    std::swap(pending[0], pending[i]);
  }

  /// After run_once() of the front job: CAF put it back in front if it has more messages
  /// (its next mailbox step waits a backlog delay), or dropped it.
  void after_run(caf::resumable* ran, vtime now) {
    auto& jobs = sched->jobs;
    if (!jobs.empty() && jobs.front() == ran)
      pending.front().ready_at = now + (delayed ? delays.backlog(rng) : vtime{0});
    else
      pending.pop_front();
  }

  /// Counts a message of `origin`; true when that origin has had more than `limit`.
  bool count_message(vtime origin, std::uint64_t limit) {
    if (per_origin.size() > 64)
      forget_finished_origins();
    return ++per_origin[origin] > limit;
  }

  /// Origins no pending job carries any more have finished their chain of messages.
  void forget_finished_origins() {
    std::map<vtime, std::uint64_t> live;
    for (const auto& p : pending)
      live.emplace(p.origin, 0);
    live.emplace(origin_now, 0);
    for (auto& [origin, n] : live)
      n = per_origin[origin];
    per_origin.swap(live);
  }

  std::optional<vtime> earliest_ready() const {
    std::optional<vtime> t;
    for (const auto& p : pending)
      if (!t || p.ready_at < *t)
        t = p.ready_at;
    return t;
  }
};

namespace {

// The simulated world's accounts live in memory and hash with salts from the seed.
void simulate_auth(authenticator_config& auth, std::shared_ptr<store::memory_accounts> accounts,
                   std::uint64_t hash_seed) {
  auth.open_store = [accounts] { return store::make_memory_user_store(accounts); };
  // Each worker gets its own deterministic salt stream.
  auto counter = std::make_shared<std::uint64_t>(0);
  auth.make_hasher = [hash_seed, counter] {
    return store::make_seeded_argon2id_hasher(hash_seed + (*counter)++);
  };
  auth.detached_workers = false; // a detached worker would get a real thread
}

/// 2026-01-01T00:00:00Z: what simulated IRC clients see as the time when a run starts.
constexpr std::int64_t sim_epoch_ms = 1767225600000;

} // namespace

world::world(world_options opts)
  : impl_(std::make_unique<impl>()),
    rng_(opts.seed),
    accounts_(std::make_shared<store::memory_accounts>()),
    strategy_(opts.strategy) {
  { // The exploring strategies draw from a stream of their own, so that the world's other
    // streams (the network's, the salts', the uniform shuffle's) are the same for every strategy.
    prng sched_rng{opts.seed ^ 0x7363686564756c65ull};
    impl_->delayed = uses_delays(strategy_);
    impl_->delays = message_delays::draw_profile(sched_rng);
    if (uses_priorities(strategy_))
      impl_->pct.emplace(sched_rng.fork(), opts.pct_depth, opts.pct_first, opts.pct_horizon);
    impl_->rng = sched_rng.fork();
  }
  net_ = std::make_unique<network>(events_, rng_.fork(), opts.network, [this] { return now(); });
  simulate_auth(opts.server.auth, accounts_, rng_.next());
  auto transport = spawn_sim_transport(system(), net_.get(), opts.server.tracer);
  { // Simulated wall-clock time: a fixed epoch plus virtual time, so runs stay reproducible.
    auto start = std::chrono::duration_cast<std::chrono::milliseconds>(
                   impl_->sched->clock().current_time.time_since_epoch())
                   .count();
    opts.server.listener.connection.wall_clock_offset_ms = sim_epoch_ms - start;
    if (opts.server.irc_listener)
      opts.server.irc_listener->connection.wall_clock_offset_ms = sim_epoch_ms - start;
  }
  server_ = spawn_server(system(), transport, std::move(opts.server));
  caf::anon_send(transport, net::listen_on{{line_endpoint}, caf::actor_cast<net::acceptor_actor>(
                                                                server_.listener)});
  if (server_.irc_listener)
    caf::anon_send(transport, net::listen_on{{irc_endpoint}, caf::actor_cast<net::acceptor_actor>(
                                                                server_.irc_listener)});
}

world::~world() { shutdown(); }

caf::actor_system& world::system() { return *impl_->sys; }

vtime world::now() const {
  return std::chrono::duration_cast<vtime>(impl_->sched->clock().current_time - impl_->start);
}

bool world::step() {
  return step_until(std::nullopt);
}

bool world::step_until(std::optional<vtime> limit) {
  if (livelock_)
    return false;
  if (strategy_ == schedule_strategy::uniform || strategy_ == schedule_strategy::fifo)
    return step_uniform(limit);
  return step_explore(limit);
}

bool world::before_message(bool stuck) {
  auto& sched = *impl_->sched;
  if (observer_ || stuck) {
    auto* actor = dynamic_cast<caf::scheduled_actor*>(sched.jobs.front());
    auto* element = actor ? actor->mailbox().peek() : nullptr;
    if (stuck) {
      livelock_ = livelock_report{now(), actor ? "actor " + std::to_string(actor->id()) + " " +
                                                   (element ? caf::to_string(element->content())
                                                            : std::string{"(no message)"})
                                               : std::string{"(not an actor)"}};
      return false;
    }
    if (element)
      observer_->on_step(now(), actor->id(), caf::to_string(element->content()));
  }
  return true;
}

bool world::step_uniform(std::optional<vtime> limit) {
  auto& sched = *impl_->sched;
  if (sched.has_job()) {
    if (strategy_ == schedule_strategy::uniform && sched.jobs.size() > 1)
      std::swap(sched.jobs.front(), sched.jobs[rng_.below(sched.jobs.size())]);
    if (now() != instant_) {
      instant_ = now();
      instant_messages_ = 0;
    }
    if (!before_message(++instant_messages_ > livelock_limit))
      return false;
    sched.run_once();
    ++messages_;
    return true;
  }
  // Nothing runnable: jump to the next timer or network event, whichever is first.
  std::optional<vtime> next = events_.next_time();
  if (auto t = impl_->next_timer())
    next = next ? std::min(*next, *t) : *t;
  if (!next || (limit && *next > *limit))
    return false;
  if (*next > now())
    sched.clock().advance_time(*next - now());
  else
    sched.clock().advance_time(vtime{0}); // a timer due now (a zero delay) fires now
  events_.run_due(now());
  return true;
}

bool world::step_explore(std::optional<vtime> limit) {
  auto& s = *impl_;
  s.sync(now());
  if (auto i = s.pick(now(), messages_ + 1)) {
    s.to_front(*i);
    // The livelock guard counts the messages caused by one instant of the world outside the
    // actors, as the uniform strategy does: a loop that needs no timer or input to go on is
    // caught even though message delays let time move on.
    auto origin = s.pending.front().origin;
    if (!before_message(s.count_message(origin, livelock_limit)))
      return false;
    auto* ran = s.sched->jobs.front();
    s.origin_now = origin; // what the message causes belongs to its instant
    s.sched->run_once();
    s.after_run(ran, now());
    s.sync(now());
    ++messages_;
    return true;
  }
  // Nothing due: jump to the next timer, network event or delayed actor, whichever is first.
  std::optional<vtime> outside = events_.next_time();
  if (auto t = s.next_timer())
    outside = outside ? std::min(*outside, *t) : *t;
  auto next = outside;
  if (auto r = s.earliest_ready())
    next = next ? std::min(*next, *r) : *r;
  if (!next || (limit && *next > *limit))
    return false;
  if (*next > now()) {
    // Time moved by a timer or an agenda event starts a new instant for the livelock guard;
    // time moved only by a message delay does not. A zero-delay timer keeps the instant of the
    // message that armed it.
    if (outside && *outside <= *next)
      s.origin_now = *next;
    s.sched->clock().advance_time(*next - now());
  } else {
    s.sched->clock().advance_time(vtime{0}); // a timer due now (a zero delay) fires now
  }
  s.sync(now(), true);
  events_.run_due(now());
  return true;
}

void world::run_until(vtime until) {
  run_until([] { return false; }, until);
}

bool world::run_until(const std::function<bool()>& done, vtime limit) {
  while (!done())
    if (!step_until(limit))
      return false;
  return true;
}

void world::shutdown() {
  if (stopped_)
    return;
  stopped_ = true;
  auto grace = now() + std::chrono::seconds{60};
  caf::anon_send(server_.listener, shutdown_server{"simulation ended"});
  if (server_.irc_listener)
    caf::anon_send(server_.irc_listener, shutdown_server{"simulation ended"});
  run_until(grace);
  caf::anon_send(server_.transport, net::stop_transport{});
  stop_server_actors(system(), server_);
  run_until(grace + std::chrono::seconds{60});
  // Whatever is still runnable now (messages to actors that are gone, or still waiting out a
  // message delay) is drained, at most a livelock's worth.
  for (std::uint64_t n = 0; impl_->sched->has_job() && n < livelock_limit; ++n)
    impl_->sched->run_once();
}

} // namespace parley::sim
