// A room's settings in no protocol's words: which setting a change is about (room_setting), the
// values a room keeps (room_modes), one change (mode_change) and the ban list's matcher
// (ban_mask). Rooms decide with these; each protocol names them its own way (IRC's channel-mode
// letters: protocol/channel_modes.hpp). CAF-free; the message inspectors are in actors/room.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley {

/// What a mode change is about: a setting of the room, a member's privilege, or the ban list.
enum class room_setting : std::uint8_t {
  unknown,     ///< none the client's protocol knows (the room refuses it: unknown_mode)
  ban,         ///< the ban list
  invite_only, ///< joins need an invitation
  key,         ///< joins need this key
  limit,       ///< at most this many members
  moderated,   ///< only operators and voiced members post
  no_outside,  ///< only members post
  secret,      ///< room lists show it only to its members
  topic_lock,  ///< only operators set the topic
  op,          ///< a member runs the room
  voice,       ///< a member may post in a moderated room
};

/// The setting's name ("topic_lock"): traces show settings by it (CAF's to_string finds it).
std::string to_string(room_setting s);

/// A room's settings and their values (IRC shows them as channel modes).
struct room_modes {
  bool no_outside = true;   ///< only members post
  bool topic_lock = true;   ///< only operators set the topic
  bool invite_only = false;
  bool moderated = false;   ///< only operators and voiced members post
  bool secret = false;      ///< hidden from room lists for non-members
  std::string key;          ///< needed to join, when set
  std::uint32_t limit = 0;  ///< most members, 0 for none
};

/// The on/off setting `s` of `m`, or nullptr for a setting with a value, a member's privilege or
/// the ban list.
bool* flag_of(room_modes& m, room_setting s);
/// Whether `s` is on in `m` (false for a setting that is not a flag).
bool is_on(const room_modes& m, room_setting s);

/// One change asked for, or one made (then `arg` is the value as members are shown it).
struct mode_change {
  bool add;
  room_setting setting;
  /// The key, the limit, the member's name or the ban mask. For room_setting::unknown, how the
  /// client spelled the setting: the refusal gives it back, so the client can be told which.
  std::string arg;
};

/// A ban: a pattern over users' addresses ("nick!user@host", add_member::mask), with * and ?
/// wildcards, compared case-insensitively.
class ban_mask {
public:
  /// Completes and lower-cases what a user gave: "bob" -> "bob!*@*", "*@host" -> "*!*@host".
  explicit ban_mask(std::string_view given);

  bool matches(std::string_view address) const;
  const std::string& str() const { return pattern_; }
  bool operator==(const ban_mask& other) const { return pattern_ == other.pattern_; }

private:
  std::string pattern_;
};

} // namespace parley
