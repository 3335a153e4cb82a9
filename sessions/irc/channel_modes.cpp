// The IRC session's channel MODE: turning mode letters into room settings and back through the
// channel-mode table (protocol/channel_modes.hpp), showing a channel's modes (324) and
// reporting what the room refused or listed (bans). The room decides and fans out every change.
#include <algorithm>
#include <utility>

#include "sessions/irc/irc_common.hpp"
#include "protocol/channel_modes.hpp"

namespace parley::detail::ircs {

namespace {

// --- MODE on channels ---

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
      reply(self, numeric::ERR_UNKNOWNMODE, {x.arg}); // the letter, as the client sent it
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
          auto params = protocol::irc::mode_params(r.modes, member);
          params.insert(params.begin(), channel);
          reply(self, numeric::RPL_CHANNELMODEIS, std::move(params));
        },
        failed(self, "MODE"));
    });
    return;
  }
  auto changes = protocol::irc::parse_mode_changes(
    m.params[1], std::vector<std::string>(m.params.begin() + 2, m.params.end()));
  bool lists_bans = std::any_of(changes.begin(), changes.end(), [](const mode_change& c) {
    return c.setting == room_setting::ban && c.arg.empty();
  });
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
