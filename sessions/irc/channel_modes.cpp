// The IRC session's channel MODE: parsing mode letters and their arguments, showing a channel's
// modes (324) and reporting what the room refused or listed (bans). The room decides and fans
// out every change.
#include <algorithm>
#include <utility>

#include "sessions/irc/irc_common.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"

namespace parley::detail::ircs {

namespace {

// --- MODE on channels ---

/// Does mode letter `c` take an argument when set (`add`) or unset?
bool takes_argument(char c, bool add) {
  return c == 'o' || c == 'v' || c == 'b' || c == 'k' || (c == 'l' && add);
}

std::vector<mode_change> parse_modes(const irc_message& m) {
  std::vector<mode_change> out;
  bool add = true;
  std::size_t next_arg = 2, with_args = 0;
  for (char c : m.params[1]) {
    if (c == '+' || c == '-') {
      add = c == '+';
      continue;
    }
    std::string arg;
    if (takes_argument(c, add) && next_arg < m.params.size()) {
      if (++with_args > protocol::irc::isupport_config{}.modes)
        break; // MODES=4 in ISUPPORT: the rest of the line is ignored
      arg = m.params[next_arg++];
    }
    out.push_back({add, c, arg});
  }
  return out;
}

/// 324's parameters after the channel: the letters ("+klnt"), then the arguments in order.
std::vector<std::string> mode_params(const room_modes& m, bool show_key) {
  std::string letters = "+";
  std::vector<std::string> args;
  if (m.invite_only)
    letters += 'i';
  if (!m.key.empty()) {
    letters += 'k';
    args.push_back(show_key ? m.key : "*");
  }
  if (m.limit != 0) {
    letters += 'l';
    args.push_back(std::to_string(m.limit));
  }
  using flag = std::pair<bool, char>;
  for (auto [on, c] : {flag{m.moderated, 'm'}, flag{m.no_outside, 'n'}, flag{m.secret, 's'},
                       flag{m.topic_lock, 't'}})
    if (on)
      letters += c;
  args.insert(args.begin(), letters);
  return args;
}

void report_mode_result(connection_self self, const std::string& channel,
                        const change_modes_result& r, bool listed_bans) {
  bool told_not_op = false;
  for (const auto& x : r.refused) {
    if (x.why == refusal::not_operator || x.why == refusal::not_member) {
      if (!std::exchange(told_not_op, true))
        reply(self, numeric_of(x.why), {channel});
    } else if (x.why == refusal::no_such_member) {
      reply(self, numeric::ERR_USERNOTINCHANNEL, {x.arg, channel});
    } else if (x.why == refusal::unknown_mode) {
      reply(self, numeric::ERR_UNKNOWNMODE, {std::string(1, x.mode)});
    } else if (x.why == refusal::missing_argument) {
      reply(self, numeric::ERR_NEEDMOREPARAMS, {"MODE"});
    } else {
      reply(self, numeric_of(x.why), {channel});
    }
  }
  if (!listed_bans)
    return;
  for (const auto& ban : r.bans)
    reply(self, numeric::RPL_BANLIST, {channel, ban});
  reply(self, numeric::RPL_ENDOFBANLIST, {channel});
}

} // namespace

void cmd_channel_mode(connection_self self, const irc_message& m) {
  auto channel = m.params[0];
  if (m.params.size() == 1) {
    with_room(self, channel, [self, channel](const std::string& room, room_actor handle) {
      await_reply<get_room_info_result>(
        self, handle, get_room_info{},
        [self, channel, room](get_room_info_result& r) {
          bool member = irc_of(self).channels.count(room) != 0;
          auto params = mode_params(r.modes, member);
          params.insert(params.begin(), channel);
          reply(self, numeric::RPL_CHANNELMODEIS, std::move(params));
        },
        failed(self, "MODE"));
    });
    return;
  }
  auto changes = parse_modes(m);
  bool lists_bans = std::any_of(changes.begin(), changes.end(),
                                [](const mode_change& c) { return c.mode == 'b' && c.arg.empty(); });
  with_room(self, channel, [self, changes, channel, lists_bans](const std::string&, room_actor h) {
    await_reply<change_modes_result>(
      self, h, change_modes{irc_of(self).nick, irc_of(self).oper, changes, my_mask(self), irc_of(self).account},
      [self, channel, lists_bans](change_modes_result& r) {
        report_mode_result(self, channel, r, lists_bans);
      },
      failed(self, "MODE"));
  });
}

} // namespace parley::detail::ircs
