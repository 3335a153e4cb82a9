// A deliberately broken room, compiled only into the tests: the real room, but each member is
// reached through a relay that now and then drops a delivery. The simulator must catch it.
#pragma once

#include "actors/room.hpp"

namespace parley::testing {

/// A room factory for directory_config::make_room whose rooms lose a few deliveries.
room_actor spawn_lossy_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                            trace::tracer* tracer);

} // namespace parley::testing
