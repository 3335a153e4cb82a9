// An event for a room's members (or a private message) in no protocol's words: what happened,
// who did it, with which text. Rooms and the directory describe each event once, and each
// protocol renders it once (text::render_line, irc::render_irc). CAF-free.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/room_settings.hpp"

namespace parley::protocol {

enum class event_kind : std::uint8_t {
  joined,
  parted,          ///< text: the reason, if any
  quit,            ///< text: the reason, if any
  said,            ///< text: the line
  acted,           ///< text: what the member does (/me, CTCP ACTION)
  noticed,         ///< text: the line (IRC NOTICE)
  topic_set,       ///< text: the new topic, empty to clear it
  modes_set,       ///< changes: the changes made
  kicked,          ///< target: who was kicked; text: the reason
  renamed,         ///< target: the new name
  away,            ///< text: the away message, empty when back
  private_said,    ///< target: the recipient; text: the line
  private_noticed, ///< likewise, an IRC NOTICE
};

/// Views of the caller's strings: an event is rendered where it is made and never kept, so
/// describing one copies nothing (the chat-line path stays as cheap as before).
struct room_event {
  event_kind kind;
  std::string_view room;    ///< the room's name; empty for a private message
  std::string_view name;    ///< who did it
  std::string_view mask;    ///< who did it as IRC shows it: its address (nick!user@host)
  std::string_view account; ///< the account of who did it (IRC account-tag), may be empty
  std::string_view text = {};
  std::string_view target = {};
  const std::vector<mode_change>* changes = nullptr;
};

} // namespace parley::protocol
