// The simulated world and its run loop (see world.hpp).
#include "sim/world.hpp"

#include "caf/all.hpp"
#include "caf/scheduler/test_coordinator.hpp"

namespace parley::sim {

struct world::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  caf::actor_clock::time_point start;

  impl() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    start = sched->clock().current_time;
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
    shuffle_(opts.shuffle_actors) {
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
  auto& sched = *impl_->sched;
  if (livelock_)
    return false;
  if (sched.has_job()) {
    if (shuffle_ && sched.jobs.size() > 1)
      std::swap(sched.jobs.front(), sched.jobs[rng_.below(sched.jobs.size())]);
    if (now() != instant_) {
      instant_ = now();
      instant_messages_ = 0;
    }
    bool stuck = ++instant_messages_ > livelock_limit;
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
    sched.run_once();
    ++messages_;
    return true;
  }
  // Nothing runnable: jump to the next timer or network event, whichever is first.
  std::optional<vtime> next = events_.next_time();
  const auto& timers = sched.clock().schedule();
  if (!timers.empty()) {
    auto t = std::chrono::duration_cast<vtime>(timers.begin()->first - impl_->start);
    next = next ? std::min(*next, t) : t;
  }
  if (!next)
    return false;
  if (*next > now())
    sched.clock().advance_time(*next - now());
  else
    sched.clock().advance_time(vtime{0}); // a timer due now (a zero delay) fires now
  events_.run_due(now());
  return true;
}

void world::run_until(vtime until) {
  run_until([] { return false; }, until);
}

bool world::run_until(const std::function<bool()>& done, vtime limit) {
  while (!done()) {
    if (livelock_)
      return false;
    auto& sched = *impl_->sched;
    if (!sched.has_job()) {
      // Do not jump past the limit.
      auto next = events_.next_time();
      const auto& timers = sched.clock().schedule();
      if (!timers.empty()) {
        auto t = std::chrono::duration_cast<vtime>(timers.begin()->first - impl_->start);
        next = next ? std::min(*next, t) : t;
      }
      if (!next || *next > limit)
        return false;
    }
    step();
  }
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
  // Whatever is still runnable now (messages to actors that are gone) is drained; after a
  // livelock, as much as a livelock's worth.
  for (std::uint64_t n = 0; impl_->sched->has_job() && (!livelock_ || n < livelock_limit); ++n)
    impl_->sched->run_once();
}

} // namespace parley::sim
