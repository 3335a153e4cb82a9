// A room's settings, their names and the ban matcher (see room_settings.hpp).
#include "protocol/room_settings.hpp"

#include "protocol/irc_masks.hpp"

namespace parley {

std::string to_string(room_setting s) {
  switch (s) {
    case room_setting::ban: return "ban";
    case room_setting::invite_only: return "invite_only";
    case room_setting::key: return "key";
    case room_setting::limit: return "limit";
    case room_setting::moderated: return "moderated";
    case room_setting::no_outside: return "no_outside";
    case room_setting::secret: return "secret";
    case room_setting::topic_lock: return "topic_lock";
    case room_setting::op: return "op";
    case room_setting::voice: return "voice";
    case room_setting::unknown: break;
  }
  return "unknown";
}

namespace {

// One mapping from flag settings to fields, for room_modes and const room_modes alike.
template <class Modes>
auto flag_in(Modes& m, room_setting s) -> decltype(&m.secret) {
  switch (s) {
    case room_setting::no_outside: return &m.no_outside;
    case room_setting::topic_lock: return &m.topic_lock;
    case room_setting::invite_only: return &m.invite_only;
    case room_setting::moderated: return &m.moderated;
    case room_setting::secret: return &m.secret;
    default: return nullptr;
  }
}

} // namespace

bool* flag_of(room_modes& m, room_setting s) { return flag_in(m, s); }

bool is_on(const room_modes& m, room_setting s) {
  const bool* flag = flag_in(m, s);
  return flag != nullptr && *flag;
}

// Bans compare users' addresses the way IRC masks do (the one address form Parley gives users).
ban_mask::ban_mask(std::string_view given) : pattern_(protocol::irc::normalize_mask(given)) {}

bool ban_mask::matches(std::string_view address) const {
  return protocol::irc::mask_matches(pattern_, address);
}

} // namespace parley
