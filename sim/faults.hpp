// Fault injection for the simulator: which fault kinds a run has and how intense they are
// (chosen from the seed in a swarm run), an authenticator proxy that makes authentication slow
// or fail, and a chaos actor that crashes connection and room actors on request.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "actors/server.hpp"
#include "sim/agenda.hpp"
#include "sim/prng.hpp"

namespace parley::sim {

/// Every fault kind the simulator knows, as named on the command line.
const std::vector<std::string>& fault_kinds();

struct fault_plan {
  std::set<std::string> active;
  std::uint64_t reset_per_mille = 0;      ///< per client action: drop the connection abruptly
  std::uint64_t half_close_per_mille = 0; ///< per client action: stop sending, keep reading
  std::uint64_t refuse_per_mille = 0;     ///< per connect
  std::uint64_t stall_per_mille = 0;      ///< per client action: stop reading for a while
  std::uint64_t slow_auth_per_mille = 0;  ///< per authentication request: answer late
  std::uint64_t fail_auth_per_mille = 0;  ///< per authentication request: answer with an error
  vtime crash_interval{0};                ///< mean time between crashes of a connection or room
  bool enabled = true;                    ///< false once the run's fault phase is over

  bool has(const std::string& kind) const { return active.count(kind) != 0; }
  std::string describe() const;
};

/// The faults of a run: the listed kinds ("none" for none) with seed-chosen intensities, or,
/// when `kinds` is empty, a swarm choice of kinds too.
fault_plan make_fault_plan(prng& rng, const std::vector<std::string>& kinds);

/// What the faulty authenticator does with one request: fail it, delay it, or pass it on.
struct auth_decision {
  bool fail = false;
  vtime delay{0};
};
using auth_policy = std::function<auth_decision()>;

/// An authenticator proxy that fails or delays each request as `decide` says (in virtual time
/// in the simulator). Swarm runs decide from the seed, scenario files from their fault steps.
authenticator_actor spawn_faulty_auth(caf::actor_system& sys, authenticator_actor real,
                                      auth_policy decide, trace::tracer* tracer = nullptr);

/// The swarm's policy: slow and failing answers drawn from `rng` at the plan's rates.
auth_policy random_auth_policy(const fault_plan& plan, prng rng);

/// Asks the directory for a user's session or a room and kills that actor.
struct crash_user {
  std::string name;
};
struct crash_room {
  std::string name;
};
template <class F> typename F::result_type inspect(F& f, crash_user& x) {
  return f(caf::meta::type_name("crash_user"), x.name);
}
template <class F> typename F::result_type inspect(F& f, crash_room& x) {
  return f(caf::meta::type_name("crash_room"), x.name);
}
using chaos_actor = caf::typed_actor<caf::reacts_to<crash_user>, caf::reacts_to<crash_room>>;

chaos_actor spawn_chaos(caf::actor_system& sys, directory_actor directory,
                        trace::tracer* tracer = nullptr);

} // namespace parley::sim
