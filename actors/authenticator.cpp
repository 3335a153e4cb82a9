// The authenticator and its workers (interface in authenticator.hpp).
#include "actors/authenticator.hpp"

#include <vector>

#include "caf/all.hpp"

#include "trace/traced_self.hpp"

namespace parley {

namespace {

// --- Worker: owns one store connection and one hasher; does the blocking work ---

struct worker_state {
  std::unique_ptr<store::user_store> users;
  std::unique_ptr<store::password_hasher> hasher;
};

using worker_self = trace::stateful_self<authenticator_actor, worker_state>;

// A failing store (disk full, corrupt file) answers with an error instead of killing the worker.
template <class Result, class Fun>
caf::result<Result> guarded(Fun fun) {
  try {
    return fun();
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string{"user store: "} + e.what());
  }
}

// Opens the store on first use, inside guarded(): a store that cannot be opened yet (locked,
// missing directory) makes requests fail with an error instead of killing the worker.
store::user_store& users(worker_self self, const authenticator_config& cfg) {
  if (!self->state.users)
    self->state.users = cfg.open_store();
  return *self->state.users;
}

authenticator_actor::behavior_type worker_behavior(worker_self self, authenticator_config cfg,
                                                   std::size_t index) {
  trace::attach(self, cfg.tracer, "auth/worker/" + std::to_string(index));
  self->state.hasher = cfg.make_hasher();
  return {
    [self, cfg](check_account& x) {
      return guarded<check_account_result>(
        [&] { return check_account_result{users(self, cfg).password_hash(x.name).has_value()}; });
    },
    [self, cfg](verify_password& x) {
      return guarded<verify_password_result>([&] {
        auto hash = users(self, cfg).password_hash(x.name);
        return verify_password_result{hash && self->state.hasher->verify(*hash, x.password.value)};
      });
    },
    [self, cfg](register_account& x) {
      return guarded<register_account_result>([&] {
        auto hash = self->state.hasher->hash(x.password.value);
        if (!users(self, cfg).add_user(x.name, hash))
          return register_account_result{false, "name taken"};
        return register_account_result{true, {}};
      });
    },
  };
}

// --- Dispatcher: spreads requests over the workers, never blocks ---

struct dispatcher_state {
  std::vector<authenticator_actor> workers;
  std::size_t next = 0;

  const authenticator_actor& pick() { return workers[next++ % workers.size()]; }
};

using dispatcher_self = trace::stateful_self<authenticator_actor, dispatcher_state>;

// Forwards `x` to a worker and relays its answer (or a failure) to the original requester.
template <class Result, class Request>
caf::typed_response_promise<Result> relay(dispatcher_self self, Request& x) {
  auto rp = self->template make_response_promise<Result>();
  self->request(self->state.pick(), caf::infinite, std::move(x))
    .then([rp](Result& r) mutable { rp.deliver(std::move(r)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

authenticator_actor::behavior_type dispatcher_behavior(dispatcher_self self,
                                                       authenticator_config cfg) {
  trace::attach(self, cfg.tracer, "auth");
  auto n = cfg.workers == 0 ? 1 : cfg.workers;
  for (std::size_t i = 0; i < n; ++i) {
    authenticator_actor w = cfg.detached_workers
                              ? self->system().spawn<caf::detached>(worker_behavior, cfg, i)
                              : self->system().spawn(worker_behavior, cfg, i);
    self->link_to(w); // workers end with the authenticator
    self->state.workers.push_back(std::move(w));
  }
  return {
    [self](check_account& x) { return relay<check_account_result>(self, x); },
    [self](verify_password& x) { return relay<verify_password_result>(self, x); },
    [self](register_account& x) { return relay<register_account_result>(self, x); },
  };
}

} // namespace

authenticator_actor spawn_authenticator(caf::actor_system& sys, authenticator_config cfg) {
  return sys.spawn(dispatcher_behavior, std::move(cfg));
}

} // namespace parley
