// The broken room of lossy_room.hpp: a front actor that hands the real room a relay for each
// member; the relay drops the delivery of a chat line now and then (a tag number ending in 37,
// for members whose name has an odd length): a rare, data-dependent loss.
#include "tests/support/lossy_room.hpp"

#include "caf/all.hpp"

namespace parley::testing {

namespace {

bool should_drop(const std::string& member, const std::string& text) {
  // Chat lines of random clients look like "[room] sender: m3.17 words".
  auto colon = text.find(": m");
  if (colon == std::string::npos || member.size() % 2 == 0)
    return false;
  auto end = text.find(' ', colon + 2);
  auto tag = text.substr(colon + 2, end - colon - 2);
  return tag.size() > 2 && tag.compare(tag.size() - 2, 2, "37") == 0;
}

member_actor::behavior_type relay(member_actor::pointer self, std::string name,
                                  member_actor target) {
  self->monitor(target);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  return {
    [self, name, target](deliver_text& x) {
      if (!should_drop(name, x.line.str()))
        self->send(target, x);
    },
  };
}

room_actor::behavior_type front(room_actor::pointer self, room_actor real) {
  self->link_to(real);
  return {
    [self, real](add_member& x) {
      auto rp = self->make_response_promise<join_room_result>();
      auto via = self->system().spawn(relay, x.name, x.member);
      rp.delegate(real, add_member{x.name, via, x.mask});
      return rp;
    },
    [self, real](remove_member& x) {
      auto rp = self->make_response_promise<remove_member_result>();
      rp.delegate(real, x);
      return rp;
    },
    [self, real](post_line& x) {
      auto rp = self->make_response_promise<post_line_result>();
      rp.delegate(real, x);
      return rp;
    },
    [self, real](list_members& x) {
      auto rp = self->make_response_promise<list_members_result>();
      rp.delegate(real, x);
      return rp;
    },
    [self, real](close_room& x) { self->send(real, x); },
  };
}

} // namespace

room_actor spawn_lossy_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                            trace::tracer* tracer) {
  auto real = spawn_room(sys, std::move(name), std::move(registry), tracer);
  return sys.spawn(front, real);
}

} // namespace parley::testing
