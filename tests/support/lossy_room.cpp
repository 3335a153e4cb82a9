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
    [self, target](member_removed& x) { self->send(target, x); },
    [self, target](end_session& x) { self->send(target, x); },
    [self, target](describe_member& x) { return self->delegate(target, x); },
  };
}

// Hands a request on to the real room, which answers the original sender.
template <class Msg, class Result>
auto pass_on(room_actor::pointer self, room_actor real) {
  return [self, real](Msg& x) {
    auto rp = self->make_response_promise<Result>();
    rp.delegate(real, x);
    return rp;
  };
}

room_actor::behavior_type front(room_actor::pointer self, room_actor real) {
  self->link_to(real);
  return {
    [self, real](add_member& x) {
      auto rp = self->make_response_promise<join_room_result>();
      auto via = self->system().spawn(relay, x.name, x.member);
      // No route: the real room sends this member deliver_text, through the relay.
      rp.delegate(real,
                  add_member{x.name, via, x.mask, x.key, x.account, delivery_route{}, x.invisible});
      return rp;
    },
    pass_on<remove_member, remove_member_result>(self, real),
    pass_on<post_line, post_line_result>(self, real),
    pass_on<list_members, list_members_result>(self, real),
    pass_on<change_modes, change_modes_result>(self, real),
    pass_on<set_topic, set_topic_result>(self, real),
    pass_on<kick_member, kick_member_result>(self, real),
    pass_on<invite_member, invite_member_result>(self, real),
    pass_on<rename_member, rename_member_result>(self, real),
    pass_on<get_room_info, get_room_info_result>(self, real),
    [self, real](set_away& x) { self->send(real, x); },
    [self, real](set_invisible& x) { self->send(real, x); },
    [self, real](close_room& x) { self->send(real, x); },
    // Members stay on the relays (deliver_text: add_member above carries no route), which is
    // where the loss happens; the real room never learns their connections.
    [](set_delivery_route&) {},
  };
}

} // namespace

room_actor spawn_lossy_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                            trace::tracer* tracer) {
  auto real = spawn_room(sys, std::move(name), std::move(registry), tracer);
  return sys.spawn(front, real);
}

} // namespace parley::testing
