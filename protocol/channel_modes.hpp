// IRC's channel modes as one table: each letter, when it takes an argument, the room setting it
// changes and how ISUPPORT classes it. Parsing MODE, showing modes (324, MODE lines), the
// CHANMODES and PREFIX tokens, 004's letters and NAMES prefixes all come from it. CAF-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/room_settings.hpp"

namespace parley::protocol::irc {

/// How ISUPPORT's CHANMODES classes a mode (types A to D), or a member's privilege (PREFIX).
enum class chanmode_class : std::uint8_t {
  list,       ///< A: a list; an argument when set and unset, none to ask for the list
  always_arg, ///< B: an argument when set and unset
  arg_on_set, ///< C: an argument only when set
  flag,       ///< D: never an argument
  prefix,     ///< a member's privilege, shown before its name in NAMES and WHO
};

struct channel_mode {
  char letter;
  room_setting setting; ///< what it changes
  bool arg_on_set;      ///< takes an argument with '+'
  bool arg_on_unset;    ///< takes an argument with '-'
  chanmode_class isupport;
  char prefix;          ///< a prefix mode's sign before a member's name ('@'), 0 for the others
};

/// Every channel mode, by letter: the order in which 004, 324 and CHANMODES (within a class)
/// list them. Prefix modes come highest rank first (o before v), the order PREFIX gives.
inline constexpr channel_mode channel_modes[] = {
  {'b', room_setting::ban, true, true, chanmode_class::list, 0},
  {'i', room_setting::invite_only, false, false, chanmode_class::flag, 0},
  {'k', room_setting::key, true, true, chanmode_class::always_arg, 0},
  {'l', room_setting::limit, true, false, chanmode_class::arg_on_set, 0},
  {'m', room_setting::moderated, false, false, chanmode_class::flag, 0},
  {'n', room_setting::no_outside, false, false, chanmode_class::flag, 0},
  {'o', room_setting::op, true, true, chanmode_class::prefix, '@'},
  {'s', room_setting::secret, false, false, chanmode_class::flag, 0},
  {'t', room_setting::topic_lock, false, false, chanmode_class::flag, 0},
  {'v', room_setting::voice, true, true, chanmode_class::prefix, '+'},
};

/// At most this many changes with an argument in one MODE line (ISUPPORT MODES): the rest of
/// the line is ignored.
inline constexpr std::size_t max_mode_args = 4;

/// The mode of `letter`, or nullptr for a letter Parley does not know.
constexpr const channel_mode* find_channel_mode(char letter) {
  for (const auto& m : channel_modes)
    if (m.letter == letter)
      return &m;
  return nullptr;
}

/// The mode that changes `s`, or nullptr (room_setting::unknown).
constexpr const channel_mode* find_channel_mode(room_setting s) {
  for (const auto& m : channel_modes)
    if (m.setting == s)
      return &m;
  return nullptr;
}

/// Whether `letter` takes an argument when set (`add`) or unset; an unknown letter takes none.
constexpr bool takes_argument(char letter, bool add) {
  const auto* m = find_channel_mode(letter);
  return m != nullptr && (add ? m->arg_on_set : m->arg_on_unset);
}

/// The letter of `s`, or '?' for room_setting::unknown.
constexpr char letter_of(room_setting s) {
  const auto* m = find_channel_mode(s);
  return m != nullptr ? m->letter : '?';
}

/// ISUPPORT CHANMODES: the list, always-argument, argument-on-set and flag letters ("b,k,l,imnst").
std::string chanmodes_token();
/// ISUPPORT PREFIX: the prefix modes and their signs ("(ov)@+").
std::string prefix_token();
/// Every channel mode letter, for 004 ("biklmnostv").
std::string channel_mode_letters();
/// The sign of prefix mode `s` before a member's name ('@' for op), or 0.
char prefix_of(room_setting s);

/// The changes a MODE line asks for: `modes` ("+o-v+l"), with arguments taken in order from
/// `args` for the letters that take one, at most max_mode_args of them. An unknown letter
/// becomes room_setting::unknown with the letter as its argument (see mode_change::arg).
std::vector<mode_change> parse_mode_changes(std::string_view modes,
                                            const std::vector<std::string>& args);

/// Changes made, as MODE lines show them: "+o-v" and the arguments in order.
struct spelled_modes {
  std::string letters;
  std::vector<std::string> args;
};
spelled_modes spell_modes(const std::vector<mode_change>& changes);

/// 324's parameters after the channel: the letters ("+iklmnst" for those on), then the key
/// (or "*" unless `show_key`) and the limit.
std::vector<std::string> mode_params(const room_modes& m, bool show_key);

} // namespace parley::protocol::irc
