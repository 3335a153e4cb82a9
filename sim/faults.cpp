// Fault plans, the faulty authenticator proxy and the chaos actor (see faults.hpp).
#include "sim/faults.hpp"

#include <chrono>
#include <functional>
#include <map>

#include "caf/all.hpp"

#include "trace/traced_self.hpp"

namespace parley::sim {

const std::vector<std::string>& fault_kinds() {
  static const std::vector<std::string> kinds{"reset", "half-close", "refuse", "stall",
                                              "slow-auth", "fail-auth", "crash-conn",
                                              "crash-room"};
  return kinds;
}

std::string fault_plan::describe() const {
  if (active.empty())
    return "none";
  std::string s;
  for (const auto& k : active)
    s += (s.empty() ? "" : ",") + k;
  return s;
}

fault_plan make_fault_plan(prng& rng, const std::vector<std::string>& kinds) {
  fault_plan p;
  if (kinds.empty()) {
    for (const auto& k : fault_kinds()) // swarm: each kind on or off by the seed
      if (rng.chance(400))
        p.active.insert(k);
  } else {
    for (const auto& k : kinds)
      if (k != "none")
        p.active.insert(k);
  }
  auto intensity = [&](const char* kind, std::uint64_t lo, std::uint64_t hi) {
    return p.has(kind) ? rng.between(lo, hi) : 0;
  };
  p.reset_per_mille = intensity("reset", 1, 15);
  p.half_close_per_mille = intensity("half-close", 1, 10);
  p.refuse_per_mille = intensity("refuse", 20, 200);
  p.stall_per_mille = intensity("stall", 5, 40);
  p.slow_auth_per_mille = intensity("slow-auth", 100, 900);
  p.fail_auth_per_mille = intensity("fail-auth", 20, 200);
  if (p.has("crash-conn") || p.has("crash-room"))
    p.crash_interval = std::chrono::seconds{rng.between(2, 20)};
  return p;
}

// --- The faulty authenticator ---

namespace {

struct forward_later {
  std::uint64_t ticket;
};
template <class F> typename F::result_type inspect(F& f, forward_later& x) {
  return f(caf::meta::type_name("forward_later"), x.ticket);
}

using faulty_auth_actor = authenticator_actor::extend<caf::reacts_to<forward_later>>;

struct faulty_auth_state {
  authenticator_actor real;
  auth_policy decide;
  std::uint64_t next_ticket = 0;
  std::map<std::uint64_t, std::function<void()>> delayed;
};

using faulty_self = trace::stateful_self<faulty_auth_actor, faulty_auth_state>;

// Fails the request, forwards it after the decided delay, or forwards it now.
template <class Result, class Request>
caf::typed_response_promise<Result> intercept(faulty_self self, Request& x) {
  auto& st = self->state;
  auto rp = self->template make_response_promise<Result>();
  auto d = st.decide();
  if (d.fail) {
    rp.deliver(caf::make_error(caf::sec::runtime_error, "injected authenticator failure"));
  } else if (d.delay.count() > 0) {
    auto ticket = st.next_ticket++;
    st.delayed.emplace(ticket, [rp, real = st.real, x]() mutable { rp.delegate(real, x); });
    self->delayed_send(self, d.delay, forward_later{ticket});
  } else {
    rp.delegate(st.real, x);
  }
  return rp;
}

faulty_auth_actor::behavior_type faulty_auth(faulty_self self, authenticator_actor real,
                                             auth_policy decide, trace::tracer* tracer) {
  trace::attach(self, tracer, "auth/faults");
  self->state.real = real;
  self->state.decide = std::move(decide);
  self->link_to(real); // ends with the authenticator
  return {
    [self](check_account& x) { return intercept<check_account_result>(self, x); },
    [self](verify_password& x) { return intercept<verify_password_result>(self, x); },
    [self](register_account& x) { return intercept<register_account_result>(self, x); },
    [self](forward_later& x) {
      auto i = self->state.delayed.find(x.ticket);
      if (i == self->state.delayed.end())
        return;
      i->second();
      self->state.delayed.erase(i);
    },
  };
}

} // namespace

authenticator_actor spawn_faulty_auth(caf::actor_system& sys, authenticator_actor real,
                                      auth_policy decide, trace::tracer* tracer) {
  return caf::actor_cast<authenticator_actor>(
    sys.spawn(faulty_auth, real, std::move(decide), tracer));
}

auth_policy random_auth_policy(const fault_plan& plan, prng rng) {
  auto draws = std::make_shared<prng>(rng);
  return [&plan, draws]() -> auth_decision {
    if (!plan.enabled)
      return {};
    if (draws->chance(plan.fail_auth_per_mille))
      return {true, {}};
    if (draws->chance(plan.slow_auth_per_mille))
      return {false, std::chrono::milliseconds{draws->between(100, 5000)}};
    return {};
  };
}

// --- Chaos ---

namespace {

chaos_actor::behavior_type chaos(trace::self<chaos_actor> self, directory_actor directory,
                                 trace::tracer* tracer) {
  trace::attach(self, tracer, "chaos");
  return {
    [self, directory](crash_user& x) {
      self->request(directory, caf::infinite, lookup_user{x.name})
        .then([self, name = x.name](lookup_user_result& r) {
          if (!r.found)
            return;
          if (auto* t = self->get_tracer())
            t->fault("crash-conn", "user " + name);
          self->send_exit(r.member, caf::exit_reason::kill);
        }, [](caf::error&) {});
    },
    [self, directory](crash_room& x) {
      self->request(directory, caf::infinite, lookup_room{x.name})
        .then([self, name = x.name](lookup_room_result& r) {
          if (!r.found)
            return;
          if (auto* t = self->get_tracer())
            t->fault("crash-room", "room/" + name);
          self->send_exit(r.room, caf::exit_reason::kill);
        }, [](caf::error&) {});
    },
  };
}

} // namespace

chaos_actor spawn_chaos(caf::actor_system& sys, directory_actor directory,
                        trace::tracer* tracer) {
  return sys.spawn(chaos, directory, tracer);
}

} // namespace parley::sim
