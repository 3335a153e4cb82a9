// Shorthand for the self pointer of a traced, function-based typed actor.
#pragma once

#include "trace/traced.hpp"

namespace parley::trace {

/// `stateful_actor<State, traced<Handle::base>>*`: what a traced stateful behaviour receives.
template <class Handle, class State>
using stateful_self = caf::stateful_actor<State, traced<typename Handle::base>>*;

/// `traced<Handle::base>*`: the same for a stateless behaviour.
template <class Handle>
using self = traced<typename Handle::base>*;

} // namespace parley::trace
