// IRC user queries and user state: PING and PONG, WHOIS, AWAY, user MODE (+i, -o), MOTD,
// LUSERS, VERSION, TIME, ISON, USERHOST, and TAGMSG (accepted and dropped).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <sstream>

#include "sessions/irc/irc_common.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

// --- Users ---

void cmd_ping(connection_self self, const irc_message& m) {
  server_line(self, "PONG", {self->state.cfg->server_name, m.params[0]});
}

void cmd_pong(connection_self, const irc_message&) {}

// 319: the user's channels, but a secret (+s) one only to someone who shares it (or to the
// user itself, or a server operator), as ircds do.
std::string visible_channels(connection_self self, const std::string& nick,
                             const describe_user_result& r) {
  const auto& me = irc_of(self);
  bool sees_all = me.oper || nick == me.nick;
  std::string list;
  for (const auto& room : r.who.rooms) {
    bool secret = std::find(r.secret_rooms.begin(), r.secret_rooms.end(), room) !=
                  r.secret_rooms.end();
    if (secret && !sees_all && me.channels.count(room) == 0)
      continue;
    list += (list.empty() ? "" : " ") + irc::channel_of(room);
  }
  return list;
}

// The WHOIS lines of a present user, in InspIRCd's order, before 318.
void whois_lines(connection_self self, const std::string& nick, const describe_user_result& r) {
  const auto& cfg = *self->state.cfg;
  const auto& who = r.who;
  reply(self, numeric::RPL_WHOISUSER, {nick, who.user, cfg.host_cloak, "*"}, who.realname);
  auto channels = visible_channels(self, nick, r);
  if (!channels.empty())
    reply(self, numeric::RPL_WHOISCHANNELS, {nick}, channels);
  reply(self, numeric::RPL_WHOISSERVER, {nick, cfg.server_name}, cfg.network_name);
  if (!who.away.empty())
    reply(self, numeric::RPL_AWAY, {nick}, who.away);
  if (who.oper)
    reply(self, numeric::RPL_WHOISOPERATOR, {nick});
  if (!who.account.empty())
    reply(self, numeric::RPL_WHOISACCOUNT, {nick, who.account});
  reply(self, numeric::RPL_WHOISIDLE,
        {nick, std::to_string(who.idle_s), std::to_string(who.signon_unix)});
}

void cmd_whois(connection_self self, const irc_message& m) {
  auto target = m.params.back();
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    reply(self, numeric::ERR_NOSUCHNICK, {target});
    reply(self, numeric::RPL_ENDOFWHOIS, {target});
    return;
  }
  await_reply<describe_user_result>(
    self, self->state.deps.directory, describe_user{*nick},
    [self, nick = *nick](describe_user_result& r) {
      if (r.found)
        whois_lines(self, nick, r);
      else
        reply(self, numeric::ERR_NOSUCHNICK, {nick});
      reply(self, numeric::RPL_ENDOFWHOIS, {nick});
    },
    failed(self, "WHOIS"));
}

void cmd_away(connection_self self, const irc_message& m) {
  auto& away = irc_of(self).away;
  auto was = away;
  away = m.params.empty() ? std::string{}
                          : std::string{irc::cut_utf8(m.params[0], irc::isupport_config{}.awaylen)};
  // The directory answers 301 to those who message this user (send_private_result::away). It
  // is told first: a message sent by someone who has seen the 305/306 or the AWAY event
  // reaches the directory after this, so the 301 it gets is never stale.
  if (away != was)
    self->send(self->state.deps.directory, set_user_away{self->state.name, away});
  reply(self, away.empty() ? numeric::RPL_UNAWAY : numeric::RPL_NOWAWAY);
  if (away != was)
    announce_away(self);
}

std::string user_modes(connection_self self) {
  const auto& st = irc_of(self);
  return std::string{"+"} + (st.invisible ? "i" : "") + (st.oper ? "o" : "");
}

// User modes: i is the client's to set; o comes only from OPER, and may be dropped.
void cmd_user_mode(connection_self self, const irc_message& m) {
  auto& st = irc_of(self);
  if (protocol::normalize_user_name(m.params[0]) != st.nick) {
    reply(self, numeric::ERR_USERSDONTMATCH);
    return;
  }
  if (m.params.size() == 1) {
    reply(self, numeric::RPL_UMODEIS, {user_modes(self)});
    return;
  }
  bool add = true;
  bool was_invisible = st.invisible;
  std::string done;
  char last = 0;
  auto note = [&](bool plus, char c) {
    if ((plus ? '+' : '-') != last)
      done += (last = plus ? '+' : '-');
    done += c;
  };
  for (char c : m.params[1]) {
    if (c == '+' || c == '-') {
      add = c == '+';
    } else if (c == 'i' && st.invisible != add) {
      st.invisible = add;
      note(add, 'i');
    } else if (c == 'o' && !add && st.oper) {
      st.oper = false;
      note(false, 'o');
      self->send(self->state.deps.directory, set_operator{st.nick, false});
    } else if (c != 'i' && c != 'o') {
      reply(self, numeric::ERR_UMODEUNKNOWNFLAG);
    }
  }
  // Rooms hear of the change before the client does: a NAMES or WHO that anyone sends after
  // seeing the MODE reply reaches each room behind the set_invisible (for NAMES and WHO from
  // outside its channels).
  if (st.invisible != was_invisible)
    for (const auto& [room, handle] : st.channels)
      self->send(handle, set_invisible{st.nick, st.invisible});
  if (!done.empty())
    write_event(self, ":" + st.nick + " MODE " + st.nick + " :" + done + "\r\n");
}

void cmd_mode(connection_self self, const irc_message& m) {
  const auto& target = m.params[0];
  if (!target.empty() && target[0] == '#')
    cmd_channel_mode(self, m);
  else
    cmd_user_mode(self, m);
}

void cmd_motd(connection_self self, const irc_message&) { motd(self); }

void cmd_lusers(connection_self self, const irc_message&) {
  await_reply<get_server_stats_result>(
    self, self->state.deps.directory, get_server_stats{},
    [self](get_server_stats_result& s) { lusers(self, s); }, failed(self, "LUSERS"));
}

void cmd_version(connection_self self, const irc_message&) {
  reply(self, numeric::RPL_VERSION, {"parley-0.1", self->state.cfg->server_name}, "");
}

void cmd_time(connection_self self, const irc_message&) {
  auto tm = utc_of(wall_ms(self));
  char buf[64];
  std::strftime(buf, sizeof buf, "%A %B %d %Y -- %H:%M:%S +00:00", &tm);
  reply(self, numeric::RPL_TIME, {self->state.cfg->server_name}, buf);
}


void presence_query(connection_self self, std::vector<std::string> nicks, numeric n,
                    std::function<std::string(const std::string&)> render) {
  auto found = std::make_shared<std::vector<std::string>>();
  auto left = std::make_shared<std::size_t>(nicks.size());
  auto answer = [self, found, n] {
    std::string list;
    for (const auto& f : *found)
      list += (list.empty() ? "" : " ") + f;
    reply(self, n, {}, list);
  };
  if (nicks.empty()) {
    answer();
    return;
  }
  for_each_target(self, nicks, [self, found, left, answer, render](const std::string& raw) {
    auto nick = protocol::normalize_user_name(raw);
    auto done = [left, answer] {
      if (--*left == 0)
        answer();
    };
    if (!nick) {
      done();
      return;
    }
    await_reply<lookup_user_result>(
      self, self->state.deps.directory, lookup_user{*nick},
      [found, render, done, nick = *nick](lookup_user_result& r) {
        if (r.found)
          found->push_back(render(nick));
        done();
      },
      [done](caf::error&) { done(); });
  });
}

void cmd_ison(connection_self self, const irc_message& m) {
  std::vector<std::string> nicks;
  for (const auto& p : m.params) {
    std::stringstream in{p};
    for (std::string w; in >> w;)
      nicks.push_back(w);
  }
  presence_query(self, nicks, numeric::RPL_ISON, [](const std::string& n) { return n; });
}

void cmd_userhost(connection_self self, const irc_message& m) {
  std::vector<std::string> nicks(m.params.begin(), m.params.begin() + std::min<std::size_t>(5, m.params.size()));
  auto host = self->state.cfg->host_cloak;
  presence_query(self, nicks, numeric::RPL_USERHOST,
                 [host](const std::string& n) { return n + "=+" + n + "@" + host; });
}

// TAGMSG carries only client tags (typing notifications and the like); Parley does not relay
// client-only tags, so it is accepted and dropped.
void cmd_tagmsg(connection_self, const irc_message&) {}

} // namespace parley::detail::ircs
