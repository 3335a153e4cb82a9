// The IRC session's channel commands: JOIN, PART, PRIVMSG/NOTICE, NAMES, WHO, LIST, TOPIC,
// KICK and INVITE (channel MODE is in channel_modes.cpp). Channels are rooms (#lobby is room lobby); the room decides
// who may do what and fans out every change, so line-protocol members see it too.
#include <algorithm>
#include <memory>

#include "sessions/irc/irc_common.hpp"
#include "protocol/channel_modes.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/line_text.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

std::optional<std::string> room_of(const std::string& channel) {
  if (channel.empty() || channel[0] != '#')
    return std::nullopt;
  return protocol::normalize_room_name(channel);
}

std::vector<std::string> split_commas(const std::string& s) {
  // Every PRIVMSG comes through here: a stringstream (its locale set-up) was a tenth of the
  // worker's time at full fan-out.
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= s.size()) {
    auto comma = s.find(',', from);
    if (comma == std::string::npos)
      comma = s.size();
    if (comma > from)
      out.emplace_back(s, from, comma - from);
    from = comma + 1;
  }
  return out;
}

namespace {

// A multi-target command part-way through: the targets and the step each one runs.
struct target_walk {
  std::vector<std::string> items;
  std::size_t next = 0;
  std::function<void(const std::string&)> step;
};

void walk_targets(connection_self self, const std::shared_ptr<target_walk>& w) {
  while (w->next < w->items.size() && !self->state.busy)
    w->step(w->items[w->next++]);
  if (w->next < w->items.size()) // resumes when the current step's answer is in
    self->state.continuation = [self, w] { walk_targets(self, w); };
}

} // namespace

void for_each_target(connection_self self, std::vector<std::string> items,
                     std::function<void(const std::string&)> step) {
  // Most commands name one target: nothing to keep for later. (The walk is shared with the
  // continuation only, never with itself, so it is freed as soon as the last step has run.)
  if (items.size() == 1 && !self->state.busy) {
    step(items.front());
    return;
  }
  walk_targets(self, std::make_shared<target_walk>(target_walk{std::move(items), 0,
                                                               std::move(step)}));
}

// --- How rooms' refusals look to IRC clients ---

numeric numeric_of(refusal why) {
  switch (why) {
    case refusal::not_member: return numeric::ERR_NOTONCHANNEL;
    case refusal::not_operator: return numeric::ERR_CHANOPRIVSNEEDED;
    case refusal::no_such_member: return numeric::ERR_USERNOTINCHANNEL;
    case refusal::already_member: return numeric::ERR_USERONCHANNEL;
    case refusal::unknown_mode: return numeric::ERR_UNKNOWNMODE;
    case refusal::key_set: return numeric::ERR_KEYSET;
    case refusal::missing_argument: return numeric::ERR_NEEDMOREPARAMS;
    case refusal::full: return numeric::ERR_CHANNELISFULL;
    case refusal::invite_only: return numeric::ERR_INVITEONLYCHAN;
    case refusal::banned: return numeric::ERR_BANNEDFROMCHAN;
    case refusal::bad_key: return numeric::ERR_BADCHANNELKEY;
    case refusal::cannot_send:
    case refusal::none: break;
  }
  return numeric::ERR_CANNOTSENDTOCHAN;
}

void with_room(connection_self self, const std::string& channel,
               std::function<void(const std::string&, room_actor)> with,
               std::function<void()> missing) {
  if (!missing)
    missing = [self, channel] { reply(self, numeric::ERR_NOSUCHCHANNEL, {channel}); };
  auto room = room_of(channel);
  if (!room) {
    missing();
    return;
  }
  auto& chans = irc_of(self).channels;
  if (auto i = chans.find(*room); i != chans.end()) {
    with(*room, i->second);
    return;
  }
  await_reply<lookup_room_result>(
    self, self->state.deps.directory, lookup_room{*room},
    [room = *room, with, missing](lookup_room_result& r) {
      if (!r.found)
        missing();
      else
        with(room, r.room);
    },
    failed(self, "LOOKUP"));
}

namespace {

/// Whether the client sees `room` from outside: neither in it nor a server operator.
bool outside_of(connection_self self, const std::string& room) {
  const auto& irc = irc_of(self);
  return !irc.oper && irc.channels.count(room) == 0;
}

// The signs of the member's privileges, highest first (PREFIX): all of them with multi-prefix.
std::string prefix_of(const member_status& m, bool all) {
  std::string p;
  if (m.op)
    p += irc::prefix_of(room_setting::op);
  if (m.voice && (all || p.empty()))
    p += irc::prefix_of(room_setting::voice);
  return p;
}

void names_reply(connection_self self, const std::string& room,
                 const std::vector<member_status>& members, bool secret) {
  bool all = irc_of(self).caps.has(irc_cap::multi_prefix);
  std::string list;
  for (const auto& m : members)
    list += (list.empty() ? "" : " ") + prefix_of(m, all) + m.name;
  if (!list.empty()) // an outsider may see no one (+i members): only 366 then, as ircds send
    reply(self, numeric::RPL_NAMREPLY, {secret ? "@" : "=", irc::channel_of(room)}, list);
  reply(self, numeric::RPL_ENDOFNAMES, {irc::channel_of(room)});
}

void topic_reply(connection_self self, const std::string& room, const room_topic& t,
                 bool even_if_empty) {
  auto channel = irc::channel_of(room);
  if (t.text.empty()) {
    if (even_if_empty)
      reply(self, numeric::RPL_NOTOPIC, {channel});
    return;
  }
  reply(self, numeric::RPL_TOPIC, {channel}, t.text);
  reply(self, numeric::RPL_TOPICWHOTIME, {channel, t.by, std::to_string(t.time_s)});
}

// --- JOIN and PART ---

void join_one(connection_self self, const std::string& channel, const std::string& key) {
  if (channel.empty() || channel[0] != '#') {
    reply(self, numeric::ERR_NOSUCHCHANNEL, {channel});
    return;
  }
  auto room = room_of(channel);
  if (!room) {
    reply(self, numeric::ERR_BADCHANMASK, {channel});
    return;
  }
  if (irc_of(self).channels.count(*room))
    return; // already there: nothing to do
  auto& st = self->state;
  join_room msg{*room, irc_of(self).nick, caf::actor_cast<member_actor>(self), my_mask(self), key,
                irc_of(self).account, route_for(self), irc_of(self).invisible};
  await_reply<join_room_result>(
    self, st.deps.directory, std::move(msg),
    [self, room = *room](join_room_result& r) {
      if (!r.ok) {
        reply(self, numeric_of(r.refused), {irc::channel_of(room)});
        join_written(self);
        return;
      }
      irc_of(self).channels.emplace(room, r.room);
      self->monitor(r.room);
      write_event(self, irc::join(my_mask(self), room));
      if (!irc_of(self).away.empty()) // away-notify peers learn it, WHO shows G
        self->send(r.room, set_away{irc_of(self).nick, irc_of(self).away, next_once(self)});
      topic_reply(self, room, r.topic, true); // 331 when there is none, as RFC 2812 clients expect
      names_reply(self, room, r.members, r.secret);
      join_written(self);
    },
    [self](caf::error& err) {
      failed(self, "JOIN")(err);
      join_written(self);
    });
}

void part_one(connection_self self, const std::string& channel, const std::string& reason) {
  auto room = room_of(channel);
  auto& chans = irc_of(self).channels;
  auto i = room ? chans.find(*room) : chans.end();
  if (i == chans.end()) {
    reply(self, room ? numeric::ERR_NOTONCHANNEL : numeric::ERR_NOSUCHCHANNEL, {channel});
    return;
  }
  auto handle = i->second;
  self->demonitor(handle.address());
  chans.erase(i);
  await_reply<remove_member_result>(
    self, handle, remove_member{irc_of(self).nick, leave_kind::part, reason, 0},
    [self, room = *room, reason](remove_member_result&) {
      write_event(self, irc::part(my_mask(self), room, reason));
    },
    failed(self, "PART"));
}

// --- Messages ---

/// Strips a CTCP ACTION wrapper: rooms know actions as their own kind of line.
std::pair<std::string, line_kind> room_line(const std::string& text, line_kind kind) {
  if (kind == line_kind::say && text.size() > 8 && text.rfind("\x01" "ACTION ", 0) == 0)
    return {text.substr(8, text.size() - 8 - (text.back() == '\x01' ? 1 : 0)), line_kind::action};
  return {text, kind};
}

void echo(connection_self self, const std::string& target, const std::string& text, bool notice) {
  // The echo is the message as the client sent it (a CTCP ACTION stays one).
  if (irc_of(self).caps.has(irc_cap::echo_message))
    write_event(self, notice ? irc::notice(my_mask(self), target, text)
                             : irc::privmsg(my_mask(self), target, text));
}

void message_channel(connection_self self, const std::string& target, const std::string& text,
                     line_kind kind) {
  bool quiet = kind == line_kind::notice; // NOTICE never gets an automatic error reply
  auto room = room_of(target);
  if (!room) {
    if (!quiet)
      reply(self, numeric::ERR_NOSUCHCHANNEL, {target});
    return;
  }
  auto post = [self, target, text, kind, quiet](const std::string&, room_actor handle) {
    auto [line, posted] = room_line(text, kind);
    post_line msg{irc_of(self).nick, line, posted, my_mask(self), irc_of(self).account};
    msg.echo = irc_of(self).caps.has(irc_cap::echo_message);
    await_reply<post_line_result>(
      self, handle, std::move(msg),
      [self, target, text, quiet](post_line_result& r) {
        // A room that writes to this client directly sent the echo with the line itself, so
        // it keeps the room's order among the channel's other events.
        if (r.refused == refusal::none) {
          if (!r.echoed)
            echo(self, target, text, quiet);
        } else if (!quiet) {
          reply(self, numeric::ERR_CANNOTSENDTOCHAN, {target});
        }
      },
      failed(self, "PRIVMSG"));
  };
  if (quiet && !irc_of(self).channels.count(*room)) {
    // From outside, like PRIVMSG, but a missing channel must not answer a NOTICE with 403.
    await_reply<lookup_room_result>(
      self, self->state.deps.directory, lookup_room{*room},
      [room = *room, post](lookup_room_result& r) {
        if (r.found)
          post(room, r.room);
      },
      [](caf::error&) {});
    return;
  }
  with_room(self, target, post);
}

void message_one(connection_self self, const std::string& target, const std::string& text,
                 line_kind kind) {
  if (!target.empty() && target[0] == '#') {
    message_channel(self, target, text, kind);
    return;
  }
  auto& st = self->state;
  bool quiet = kind == line_kind::notice;
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    if (!quiet)
      reply(self, numeric::ERR_NOSUCHNICK, {target});
    return;
  }
  send_private msg{irc_of(self).nick, *nick, text, my_mask(self), quiet, irc_of(self).account};
  await_reply<send_private_result>(
    self, st.deps.directory, std::move(msg),
    [self, target, nick = *nick, text, quiet](send_private_result& r) {
      if (!r.delivered) {
        if (!quiet)
          reply(self, numeric::ERR_NOSUCHNICK, {target});
        return;
      }
      echo(self, target, text, quiet);
      if (!r.away.empty() && !quiet) // NOTICE never gets an automatic reply
        reply(self, numeric::RPL_AWAY, {nick}, r.away);
    },
    failed(self, "PRIVMSG"));
}

void message_command(connection_self self, const irc_message& m, line_kind kind) {
  bool notice = kind == line_kind::notice;
  if (m.params.empty() || m.params[0].empty()) {
    if (!notice)
      reply(self, numeric::ERR_NORECIPIENT, {}, "No recipient given (" + m.command + ")");
    return;
  }
  if (m.params.size() < 2 || m.params[1].empty()) {
    if (!notice)
      reply(self, numeric::ERR_NOTEXTTOSEND);
    return;
  }
  auto text = m.params[1];
  self->state.last_spoke = self->clock().now(); // WHOIS idle time
  for_each_target(self, split_commas(m.params[0]), [self, text, kind](const std::string& t) {
    message_one(self, t, text, kind);
  });
}

} // namespace

void cmd_join(connection_self self, const irc_message& m) {
  if (m.params[0] == "0") {
    std::vector<std::string> all;
    for (const auto& [room, handle] : irc_of(self).channels)
      all.push_back(irc::channel_of(room));
    for_each_target(self, all, [self](const std::string& c) { part_one(self, c, ""); });
    return;
  }
  auto channels = split_commas(m.params[0]);
  auto keys = m.params.size() > 1 ? split_commas(m.params[1]) : std::vector<std::string>{};
  // Each channel carries its key along: "#a\x1fkey" is split again in the step.
  std::vector<std::string> items;
  for (std::size_t i = 0; i < channels.size(); ++i)
    items.push_back(channels[i] + (i < keys.size() ? "\x1f" + keys[i] : std::string{}));
  for_each_target(self, items, [self](const std::string& item) {
    auto cut = item.find('\x1f');
    join_one(self, item.substr(0, cut), cut == std::string::npos ? "" : item.substr(cut + 1));
  });
}

void cmd_part(connection_self self, const irc_message& m) {
  auto reason = m.params.size() > 1 ? m.params[1] : std::string{};
  for_each_target(self, split_commas(m.params[0]),
                  [self, reason](const std::string& c) { part_one(self, c, reason); });
}

void cmd_privmsg(connection_self self, const irc_message& m) {
  message_command(self, m, line_kind::say);
}

void cmd_notice(connection_self self, const irc_message& m) {
  message_command(self, m, line_kind::notice);
}

// The members of `channel` for NAMES and WHO: `show` gets them for a channel you are in, and for
// one you are not in unless it is secret (a server operator sees those too), as ircds list
// them; otherwise `none` runs (the command's end line alone answers, also for no channel).
void list_channel(connection_self self, const std::string& channel, const char* command,
                  std::function<void(const std::string&, list_members_result&)> show,
                  std::function<void()> none) {
  auto ask = [self, command, show, none](const std::string& room, room_actor handle) {
    await_reply<list_members_result>(
      self, handle, list_members{},
      [self, room, show, none](list_members_result& r) {
        bool outside = outside_of(self, room);
        if (outside && r.secret) {
          none();
          return;
        }
        if (outside) // user mode +i: not shown to those outside the channel
          r.members.erase(std::remove_if(r.members.begin(), r.members.end(),
                                         [](const member_status& m) { return m.invisible; }),
                          r.members.end());
        show(room, r);
      },
      failed(self, command));
  };
  with_room(self, channel, ask, none);
}

void cmd_names(connection_self self, const irc_message& m) {
  list_channel(
    self, m.params[0], "NAMES",
    [self](const std::string& room, list_members_result& r) {
      names_reply(self, room, r.members, r.secret);
    },
    [self, channel = m.params[0]] { reply(self, numeric::RPL_ENDOFNAMES, {channel}); });
}

void cmd_who(connection_self self, const irc_message& m) {
  list_channel(
    self, m.params[0], "WHO",
    [self, channel = m.params[0]](const std::string&, list_members_result& r) {
      const auto& cfg = *self->state.cfg;
      for (const auto& member : r.members) {
        auto flags = std::string{member.away ? "G" : "H"} + prefix_of(member, true);
        reply(self, numeric::RPL_WHOREPLY,
              {channel, member.name, cfg.host_cloak, cfg.server_name, member.name, flags},
              "0 " + member.name);
      }
      reply(self, numeric::RPL_ENDOFWHO, {channel});
    },
    [self, channel = m.params[0]] { reply(self, numeric::RPL_ENDOFWHO, {channel}); });
}

void cmd_list(connection_self self, const irc_message&) {
  await_reply<list_rooms_result>(
    self, self->state.deps.directory, list_rooms{},
    [self](list_rooms_result& r) {
      reply(self, numeric::RPL_LISTSTART, {"Channel"});
      for (const auto& room : r.rooms)
        if (!room.secret || irc_of(self).channels.count(room.name))
          reply(self, numeric::RPL_LIST,
                {irc::channel_of(room.name), std::to_string(room.members)}, room.topic);
      reply(self, numeric::RPL_LISTEND);
    },
    failed(self, "LIST"));
}

// A channel that does not exist, or a secret one you are not in, is 403 (an outsider cannot
// tell the two apart, as with NAMES, WHO and LIST; InspIRCd answers so). Outsiders may read the
// topic of a channel that is not secret; setting it is for members (442 otherwise) and server
// operators, and the room checks +t.
void cmd_topic(connection_self self, const irc_message& m) {
  auto channel = m.params[0];
  if (m.params.size() == 1) {
    with_room(self, channel, [self, channel](const std::string& room, room_actor handle) {
      await_reply<get_room_info_result>(
        self, handle, get_room_info{},
        [self, room, channel](get_room_info_result& r) {
          if (r.modes.secret && outside_of(self, room))
            reply(self, numeric::ERR_NOSUCHCHANNEL, {channel});
          else
            topic_reply(self, room, r.topic, true);
        },
        failed(self, "TOPIC"));
    });
    return;
  }
  auto text = std::string{irc::cut_utf8(m.params[1], irc::isupport_config{}.topiclen)};
  with_room(self, channel, [self, text, channel](const std::string& room, room_actor handle) {
    if (outside_of(self, room)) {
      reply(self, numeric::ERR_NOTONCHANNEL, {channel});
      return;
    }
    await_reply<set_topic_result>(
      self, handle,
      set_topic{irc_of(self).nick,   irc_of(self).oper,   text, wall_ms(self) / 1000,
                my_mask(self), irc_of(self).account},
      [self, channel](set_topic_result& r) {
        if (r.refused != refusal::none)
          reply(self, numeric_of(r.refused), {channel});
      },
      failed(self, "TOPIC"));
  });
}

void cmd_kick(connection_self self, const irc_message& m) {
  auto channel = m.params[0];
  auto reason = m.params.size() > 2 ? m.params[2] : std::string{};
  auto targets = split_commas(m.params[1]);
  with_room(self, channel, [self, channel, reason, targets](const std::string&, room_actor h) {
    for_each_target(self, targets, [self, channel, reason, h](const std::string& target) {
      auto nick = protocol::normalize_user_name(target);
      if (!nick) {
        reply(self, numeric::ERR_USERNOTINCHANNEL, {target, channel});
        return;
      }
      await_reply<kick_member_result>(
        self, h,
        kick_member{irc_of(self).nick, irc_of(self).oper, *nick, reason, my_mask(self), irc_of(self).account},
        [self, channel, target](kick_member_result& r) {
          if (r.refused == refusal::no_such_member)
            reply(self, numeric::ERR_USERNOTINCHANNEL, {target, channel});
          else if (r.refused != refusal::none)
            reply(self, numeric_of(r.refused), {channel});
        },
        failed(self, "KICK"));
    });
  });
}

void cmd_invite(connection_self self, const irc_message& m) {
  auto target = m.params[0];
  auto channel = m.params[1];
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    reply(self, numeric::ERR_NOSUCHNICK, {target});
    return;
  }
  auto invite = [self, nick = *nick, channel](member_actor who) {
    with_room(self, channel, [self, nick, channel, who](const std::string& room, room_actor h) {
      await_reply<invite_member_result>(
        self, h, invite_member{irc_of(self).nick, irc_of(self).oper, nick},
        [self, nick, channel, room, who](invite_member_result& r) {
          if (r.refused == refusal::already_member) {
            reply(self, numeric::ERR_USERONCHANNEL, {nick, channel});
            return;
          }
          if (r.refused != refusal::none) {
            reply(self, numeric_of(r.refused), {channel});
            return;
          }
          reply(self, numeric::RPL_INVITING, {nick, channel});
          auto& me = irc_of(self).nick;
          auto says = me + " invites you to " + room + "; /join " + room + " to enter it";
          self->send(who, deliver_text{shared_text{protocol::text::info(says)},
                                       shared_text{irc::invite(my_mask(self), nick, channel)}});
        },
        failed(self, "INVITE"));
    });
  };
  await_reply<lookup_user_result>(
    self, self->state.deps.directory, lookup_user{*nick},
    [self, target, invite](lookup_user_result& r) {
      if (!r.found)
        reply(self, numeric::ERR_NOSUCHNICK, {target});
      else
        invite(r.member);
    },
    failed(self, "INVITE"));
}

void announce_away(connection_self self) {
  auto once = next_once(self);
  for (const auto& [room, handle] : irc_of(self).channels)
    self->send(handle, set_away{irc_of(self).nick, irc_of(self).away, once});
}

void rename_in_channels(connection_self self, const std::string& old_nick) {
  auto once = next_once(self);
  std::vector<std::string> rooms;
  for (const auto& [room, handle] : irc_of(self).channels)
    rooms.push_back(room);
  rooms.emplace_back(); // after every room's answer: the directory may give the old nick away
  for_each_target(self, rooms, [self, old_nick, once](const std::string& room) {
    if (room.empty()) {
      self->send(self->state.deps.directory, release_name{old_nick});
      return;
    }
    auto i = irc_of(self).channels.find(room);
    if (i == irc_of(self).channels.end())
      return;
    await_reply<rename_member_result>(self, i->second,
                                      rename_member{old_nick, irc_of(self).nick, my_mask(self), once},
                                      [](rename_member_result&) {}, failed(self, "NICK"));
  });
}

} // namespace parley::detail::ircs
