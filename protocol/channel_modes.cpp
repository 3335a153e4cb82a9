// What IRC derives from the channel-mode table (see channel_modes.hpp): tokens, parsing, spelling.
#include "protocol/channel_modes.hpp"

namespace parley::protocol::irc {

namespace {

// The table's own consistency: an ISUPPORT class promises when a mode takes an argument.
constexpr bool arguments_match_classes() {
  for (const auto& m : channel_modes) {
    bool set = m.isupport != chanmode_class::flag;
    bool unset = set && m.isupport != chanmode_class::arg_on_set;
    if (m.arg_on_set != set || m.arg_on_unset != unset ||
        (m.prefix != 0) != (m.isupport == chanmode_class::prefix))
      return false;
  }
  return true;
}
static_assert(arguments_match_classes(), "a channel mode's arguments contradict its class");

std::string letters_of(chanmode_class c) {
  std::string s;
  for (const auto& m : channel_modes)
    if (m.isupport == c)
      s += m.letter;
  return s;
}

} // namespace

std::string chanmodes_token() {
  return letters_of(chanmode_class::list) + "," + letters_of(chanmode_class::always_arg) + "," +
         letters_of(chanmode_class::arg_on_set) + "," + letters_of(chanmode_class::flag);
}

std::string prefix_token() {
  std::string signs;
  for (const auto& m : channel_modes)
    if (m.isupport == chanmode_class::prefix)
      signs += m.prefix;
  return "(" + letters_of(chanmode_class::prefix) + ")" + signs;
}

std::string channel_mode_letters() {
  std::string s;
  for (const auto& m : channel_modes)
    s += m.letter;
  return s;
}

char prefix_of(room_setting s) {
  const auto* m = find_channel_mode(s);
  return m != nullptr ? m->prefix : 0;
}

std::vector<mode_change> parse_mode_changes(std::string_view modes,
                                            const std::vector<std::string>& args) {
  std::vector<mode_change> out;
  bool add = true;
  std::size_t next_arg = 0;
  for (char c : modes) {
    if (c == '+' || c == '-') {
      add = c == '+';
      continue;
    }
    const auto* mode = find_channel_mode(c);
    if (mode == nullptr) {
      out.push_back({add, room_setting::unknown, std::string(1, c)});
      continue;
    }
    std::string arg;
    if (takes_argument(c, add) && next_arg < args.size()) {
      if (next_arg == max_mode_args)
        break; // ISUPPORT MODES: the rest of the line is ignored
      arg = args[next_arg++];
    }
    out.push_back({add, mode->setting, std::move(arg)});
  }
  return out;
}

spelled_modes spell_modes(const std::vector<mode_change>& changes) {
  spelled_modes s;
  char last_sign = 0;
  for (const auto& c : changes) {
    char sign = c.add ? '+' : '-';
    if (sign != last_sign)
      s.letters += sign;
    last_sign = sign;
    s.letters += letter_of(c.setting);
    if (!c.arg.empty())
      s.args.push_back(c.arg);
  }
  return s;
}

std::vector<std::string> mode_params(const room_modes& m, bool show_key) {
  std::vector<std::string> params{"+"};
  for (const auto& mode : channel_modes) {
    switch (mode.setting) {
      case room_setting::key:
        if (m.key.empty())
          continue;
        params.push_back(show_key ? m.key : "*");
        break;
      case room_setting::limit:
        if (m.limit == 0)
          continue;
        params.push_back(std::to_string(m.limit));
        break;
      default:
        if (!is_on(m, mode.setting))
          continue;
    }
    params[0] += mode.letter;
  }
  return params;
}

} // namespace parley::protocol::irc
