// The connection actor's IRC session: registration (PASS, NICK, USER, CAP, SASL PLAIN), the
// welcome burst, and the IRC commands, as a table. It shares everything else with the line
// protocol: the connection shell (framing, output bound, back-pressure), the rooms (IRC channel
// #lobby is room lobby), the directory and the authenticator. Like the line protocol, a line
// whose handling asks another actor holds back the lines after it (await_reply), so replies
// never overtake the fan-out of earlier messages.
#include <algorithm>
#include <chrono>
#include <sstream>

#include "protocol/base64.hpp"
#include "actors/connection_state.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/irc_message.hpp"
#include "protocol/irc_numerics.hpp"
#include "protocol/names.hpp"

namespace parley::detail {

namespace irc = protocol::irc;
using irc::numeric;

namespace {

// --- Output ---

void send_msg(connection_self self, const irc::irc_message& m) { write(self, irc::format_irc(m)); }

// A middle parameter may not be empty, hold a space or start with ':'. Replies echo what the
// client sent (a nick, a channel), so it is cut to its first word, or "*" when nothing is left.
std::string middle_param(const std::string& s) {
  auto word = s.substr(0, s.find(' '));
  while (!word.empty() && word[0] == ':')
    word.erase(0, 1);
  return word.empty() ? std::string{"*"} : word;
}

void reply(connection_self self, numeric n, std::vector<std::string> middle = {},
           std::string trailing = {}) {
  auto& st = self->state;
  for (auto& p : middle)
    p = middle_param(p);
  send_msg(self, irc::make_numeric(st.cfg.server_name, n, st.irc.nick, std::move(middle),
                                   std::move(trailing)));
}

void server_line(connection_self self, const std::string& command,
                 std::vector<std::string> params) {
  irc::irc_message m;
  m.prefix = self->state.cfg.server_name;
  m.command = command;
  m.params = std::move(params);
  send_msg(self, m);
}

std::string my_mask(connection_self self) {
  return irc::mask_of(self->state.irc.nick, self->state.cfg.host_cloak);
}

bool registered(connection_self self) { return self->state.ph == phase::chatting; }

// The request's failure, as IRC clients understand it.
auto failed(connection_self self, const char* command) {
  return [self, command](caf::error&) {
    server_line(self, "FAIL", {command, "TEMPORARILY_UNAVAILABLE", "The server could not complete that"});
  };
}

// --- Registration ---

// A wrong password (PASS or SASL) counts like a failed login of the line protocol: a growing
// pause before the next line, and the connection is closed after max_failed_logins.
void auth_failed(connection_self self, numeric n, std::string text = {}) {
  auto& st = self->state;
  reply(self, n, {}, std::move(text));
  if (++st.failed_logins >= st.cfg.max_failed_logins) {
    write(self, "ERROR :Closing link: too many failed authentication attempts\r\n");
    finish(self, "too many failed logins", true);
    return;
  }
  st.busy = true; // released by login_delay_elapsed
  self->delayed_send(self, std::chrono::milliseconds{st.cfg.failed_login_delay_ms * st.failed_logins},
                     login_delay_elapsed{});
}

void welcome(connection_self self) {
  auto& st = self->state;
  const auto& nick = st.irc.nick;
  reply(self, numeric::RPL_WELCOME, {},
        "Welcome to the " + st.cfg.network_name + " IRC network " + my_mask(self));
  reply(self, numeric::RPL_YOURHOST, {}, "Your host is " + st.cfg.server_name + ", running Parley");
  reply(self, numeric::RPL_CREATED, {}, "This server was started by its operator");
  reply(self, numeric::RPL_MYINFO, {st.cfg.server_name, "parley-0.1", "io", "biklmnostv"});
  irc::isupport_config is;
  is.network = st.cfg.network_name;
  is.nicklen = protocol::max_name_length;
  is.channellen = protocol::max_name_length + 1;
  for (auto& m : irc::isupport_lines(st.cfg.server_name, nick, is))
    send_msg(self, m);
  reply(self, numeric::RPL_LUSERCLIENT, {}, "There are users on 1 server");
  reply(self, numeric::RPL_LUSERME, {}, "I have clients and 0 servers");
  if (st.cfg.motd.empty()) {
    reply(self, numeric::ERR_NOMOTD);
    return;
  }
  reply(self, numeric::RPL_MOTDSTART, {}, "- " + st.cfg.server_name + " Message of the day -");
  for (const auto& line : st.cfg.motd)
    reply(self, numeric::RPL_MOTD, {}, "- " + line);
  reply(self, numeric::RPL_ENDOFMOTD);
}

void schedule_idle_check(connection_self self, std::chrono::milliseconds after) {
  if (self->state.cfg.irc_ping_interval_ms > 0)
    self->delayed_send(self, after, idle_check{});
}

void claim_and_welcome(connection_self self) {
  auto& st = self->state;
  await_reply<claim_name_result>(
    self, st.deps.directory, claim_name{st.irc.nick, caf::actor_cast<member_actor>(self)},
    [self](claim_name_result& r) {
      if (!r.ok) {
        reply(self, numeric::ERR_NICKNAMEINUSE, {self->state.irc.nick});
        return;
      }
      self->state.claimed = true;
      self->state.name = self->state.irc.nick;
      self->state.ph = phase::chatting;
      self->state.irc.last_input = self->clock().now();
      welcome(self);
      schedule_idle_check(self, std::chrono::milliseconds{self->state.cfg.irc_ping_interval_ms});
    },
    failed(self, "NICK"));
}

// A nick that is a registered account is reserved for its owner: the client must have
// authenticated as it (SASL, or PASS). Anonymous nicks are allowed unless the server says not.
void check_credentials(connection_self self) {
  auto& st = self->state;
  if (st.irc.account == st.irc.nick) {
    claim_and_welcome(self);
    return;
  }
  if (!st.irc.pass.empty()) {
    auto pass = st.irc.pass;
    auto colon = pass.find(':');
    if (colon != std::string::npos) // PASS account:password
      pass = pass.substr(colon + 1);
    await_reply<verify_password_result>(
      self, st.deps.auth, verify_password{st.irc.nick, secret{pass}},
      [self](verify_password_result& r) {
        if (!r.ok) {
          auth_failed(self, numeric::ERR_PASSWDMISMATCH);
          return;
        }
        self->state.irc.account = self->state.irc.nick;
        claim_and_welcome(self);
      },
      failed(self, "PASS"));
    return;
  }
  await_reply<check_account_result>(
    self, st.deps.auth, check_account{st.irc.nick},
    [self](check_account_result& r) {
      if (r.exists) {
        reply(self, numeric::ERR_NICKNAMEINUSE, {self->state.irc.nick},
              "Nickname is registered to an account: authenticate with SASL or PASS");
        return;
      }
      if (self->state.cfg.irc_require_account) {
        reply(self, numeric::ERR_PASSWDMISMATCH, {}, "This server requires an account");
        return;
      }
      claim_and_welcome(self);
    },
    failed(self, "NICK"));
}

void try_register(connection_self self) {
  auto& st = self->state;
  if (registered(self) || st.irc.nick.empty() || st.irc.user.empty() || st.irc.cap_negotiating)
    return;
  check_credentials(self);
}

// --- Channel membership ---

std::optional<std::string> room_of(const std::string& channel) {
  if (channel.empty() || channel[0] != '#')
    return std::nullopt;
  return protocol::normalize_room_name(channel);
}

void names_reply(connection_self self, const std::string& room, const std::vector<std::string>& members) {
  std::string list;
  for (const auto& m : members)
    list += (list.empty() ? "" : " ") + m;
  reply(self, numeric::RPL_NAMREPLY, {"=", irc::channel_of(room)}, list);
  reply(self, numeric::RPL_ENDOFNAMES, {irc::channel_of(room)});
}

void join_one(connection_self self, const std::string& channel) {
  auto room = room_of(channel);
  if (!room) {
    reply(self, numeric::ERR_NOSUCHCHANNEL, {channel});
    return;
  }
  if (self->state.irc.channels.count(*room))
    return; // already there: nothing to do
  auto& st = self->state;
  join_room msg{*room, st.irc.nick, caf::actor_cast<member_actor>(self), my_mask(self)};
  await_reply<join_room_result>(
    self, st.deps.directory, std::move(msg),
    [self, room = *room](join_room_result& r) {
      if (!r.ok) {
        reply(self, numeric::ERR_CHANNELISFULL, {irc::channel_of(room)}, r.error);
        return;
      }
      self->state.irc.channels.emplace(room, r.room);
      self->monitor(r.room);
      write(self, irc::join(my_mask(self), room));
      reply(self, numeric::RPL_NOTOPIC, {irc::channel_of(room)});
      names_reply(self, room, r.members);
    },
    failed(self, "JOIN"));
}

void part_one(connection_self self, const std::string& channel, const std::string& reason) {
  auto room = room_of(channel);
  auto& chans = self->state.irc.channels;
  auto i = room ? chans.find(*room) : chans.end();
  if (i == chans.end()) {
    reply(self, room ? numeric::ERR_NOTONCHANNEL : numeric::ERR_NOSUCHCHANNEL, {channel});
    return;
  }
  auto handle = i->second;
  self->demonitor(handle.address());
  chans.erase(i);
  auto& st = self->state;
  await_reply<remove_member_result>(
    self, handle, remove_member{st.irc.nick, leave_kind::part, reason},
    [self, room = *room, reason](remove_member_result&) {
      write(self, irc::part(my_mask(self), room, reason));
    },
    failed(self, "PART"));
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in{s};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

// Each item of a multi-target command runs as its own step, in order: the next starts once the
// previous has its answer.
void for_each_target(connection_self self, std::vector<std::string> items,
                     std::function<void(const std::string&)> step) {
  auto queue = std::make_shared<std::vector<std::string>>(std::move(items));
  auto next = std::make_shared<std::function<void()>>();
  *next = [self, queue, step, next] {
    while (!queue->empty() && !self->state.busy) {
      auto item = queue->front();
      queue->erase(queue->begin());
      step(item);
    }
    if (!queue->empty() && self->state.busy)
      self->state.continuation = *next; // resumes when the current step's answer is in
  };
  (*next)();
}

// --- Messages ---

void message_one(connection_self self, const std::string& target, const std::string& text,
                 line_kind kind) {
  auto& st = self->state;
  bool quiet = kind == line_kind::notice; // NOTICE never gets an automatic error reply
  if (!target.empty() && target[0] == '#') {
    auto room = room_of(target);
    auto i = room ? st.irc.channels.find(*room) : st.irc.channels.end();
    if (i == st.irc.channels.end()) {
      if (!quiet)
        reply(self, numeric::ERR_CANNOTSENDTOCHAN, {target});
      return;
    }
    auto line = text;
    auto posted = kind;
    if (kind == line_kind::say && line.size() > 8 && line.rfind("\x01" "ACTION ", 0) == 0) {
      line = line.substr(8, line.size() - 8 - (line.back() == '\x01' ? 1 : 0));
      posted = line_kind::action;
    }
    await_reply<post_line_result>(
      self, i->second, post_line{st.irc.nick, line, posted},
      [self, text, target, kind](post_line_result&) {
        // The echo is the message as the client sent it (a CTCP ACTION stays one).
        if (self->state.irc.caps.count("echo-message"))
          write(self, kind == line_kind::notice ? irc::notice(my_mask(self), target, text)
                                                 : irc::privmsg(my_mask(self), target, text));
      },
      failed(self, "PRIVMSG"));
    return;
  }
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    if (!quiet)
      reply(self, numeric::ERR_NOSUCHNICK, {target});
    return;
  }
  await_reply<send_private_result>(
    self, st.deps.directory, send_private{st.irc.nick, *nick, text, my_mask(self), quiet},
    [self, target, text, quiet](send_private_result& r) {
      if (!r.delivered && !quiet)
        reply(self, numeric::ERR_NOSUCHNICK, {target});
      else if (r.delivered && self->state.irc.caps.count("echo-message"))
        write(self, quiet ? irc::notice(my_mask(self), target, text)
                          : irc::privmsg(my_mask(self), target, text));
    },
    failed(self, "PRIVMSG"));
}

} // namespace
} // namespace parley::detail

namespace parley::detail {

namespace {

using irc::irc_message;

// --- CAP and SASL ---

const std::vector<std::string>& supported_caps() {
  static const std::vector<std::string> caps{"echo-message", "sasl"};
  return caps;
}

std::string caps_list(const std::vector<std::string>& caps, bool with_values) {
  std::string s;
  for (const auto& c : caps)
    s += (s.empty() ? "" : " ") + c + (with_values && c == "sasl" ? "=PLAIN" : "");
  return s;
}

void cmd_cap(connection_self self, const irc_message& m) {
  auto& st = self->state.irc;
  auto nick = st.nick.empty() ? std::string{"*"} : st.nick;
  auto sub = m.params[0];
  std::transform(sub.begin(), sub.end(), sub.begin(), ::toupper);
  if (sub == "LS") {
    if (!registered(self))
      st.cap_negotiating = true;
    bool v302 = m.params.size() > 1 && m.params[1] >= "302";
    server_line(self, "CAP", {nick, "LS", caps_list(supported_caps(), v302)});
  } else if (sub == "LIST") {
    server_line(self, "CAP", {nick, "LIST", caps_list({st.caps.begin(), st.caps.end()}, false)});
  } else if (sub == "REQ" && m.params.size() > 1) {
    if (!registered(self))
      st.cap_negotiating = true;
    std::vector<std::string> asked;
    std::stringstream in{m.params[1]};
    for (std::string c; in >> c;)
      asked.push_back(c);
    auto known = [](const std::string& c) {
      auto name = c[0] == '-' ? c.substr(1) : c;
      const auto& all = supported_caps();
      return std::find(all.begin(), all.end(), name) != all.end();
    };
    if (!std::all_of(asked.begin(), asked.end(), known)) {
      server_line(self, "CAP", {nick, "NAK", m.params[1]});
      return;
    }
    for (const auto& c : asked)
      c[0] == '-' ? (void) st.caps.erase(c.substr(1)) : (void) st.caps.insert(c);
    server_line(self, "CAP", {nick, "ACK", m.params[1]});
  } else if (sub == "END") {
    st.cap_negotiating = false;
    try_register(self);
  } else {
    reply(self, numeric::ERR_INVALIDCAPCMD, {sub});
  }
}

using protocol::base64_decode;

void sasl_plain(connection_self self, const std::string& payload) {
  auto decoded = base64_decode(payload);
  // authzid \0 authcid \0 password
  auto first = decoded ? decoded->find('\0') : std::string::npos;
  auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos) {
    reply(self, numeric::ERR_SASLFAIL);
    return;
  }
  auto account = protocol::normalize_user_name(decoded->substr(first + 1, second - first - 1));
  auto password = decoded->substr(second + 1);
  if (!account) {
    reply(self, numeric::ERR_SASLFAIL);
    return;
  }
  await_reply<verify_password_result>(
    self, self->state.deps.auth, verify_password{*account, secret{password}},
    [self, account = *account](verify_password_result& r) {
      if (!r.ok) {
        auth_failed(self, numeric::ERR_SASLFAIL);
        return;
      }
      self->state.irc.account = account;
      auto mask = irc::mask_of(self->state.irc.nick.empty() ? account : self->state.irc.nick,
                               self->state.cfg.host_cloak);
      reply(self, numeric::RPL_LOGGEDIN, {mask, account}, "You are now logged in as " + account);
      reply(self, numeric::RPL_SASLSUCCESS);
    },
    [self](caf::error&) { reply(self, numeric::ERR_SASLFAIL); });
}

void cmd_authenticate(connection_self self, const irc_message& m) {
  auto& st = self->state.irc;
  if (registered(self) || !st.account.empty()) {
    reply(self, numeric::ERR_SASLALREADY);
    return;
  }
  const auto& arg = m.params[0];
  if (!st.sasl_waiting) {
    if (arg != "PLAIN") {
      reply(self, numeric::RPL_SASLMECHS, {"PLAIN"}, "are available SASL mechanisms");
      reply(self, numeric::ERR_SASLFAIL);
      return;
    }
    st.sasl_waiting = true;
    irc_message plus;
    plus.command = "AUTHENTICATE";
    plus.params = {"+"};
    send_msg(self, plus);
    return;
  }
  st.sasl_waiting = false;
  if (arg == "*") {
    reply(self, numeric::ERR_SASLABORTED);
    return;
  }
  sasl_plain(self, arg);
}

// --- Registration commands ---

void cmd_pass(connection_self self, const irc_message& m) {
  if (registered(self)) {
    reply(self, numeric::ERR_ALREADYREGISTERED);
    return;
  }
  self->state.irc.pass = m.params[0];
}

void cmd_nick(connection_self self, const irc_message& m) {
  if (m.params[0].empty()) {
    reply(self, numeric::ERR_NONICKNAMEGIVEN);
    return;
  }
  auto nick = protocol::normalize_user_name(m.params[0]);
  if (!nick) {
    reply(self, numeric::ERR_ERRONEUSNICKNAME, {m.params[0]});
    return;
  }
  if (registered(self)) {
    if (*nick != self->state.irc.nick) // renaming a session is not supported (yet)
      reply(self, numeric::ERR_NICKNAMEINUSE, {*nick}, "Nick changes are not supported");
    return;
  }
  self->state.irc.nick = *nick;
  try_register(self);
}

void cmd_user(connection_self self, const irc_message& m) {
  if (registered(self)) {
    reply(self, numeric::ERR_ALREADYREGISTERED);
    return;
  }
  self->state.irc.user = m.params[0];
  self->state.irc.realname = m.params.back();
  try_register(self);
}

// --- Commands after registration ---

void cmd_ping(connection_self self, const irc_message& m) {
  server_line(self, "PONG", {self->state.cfg.server_name, m.params[0]});
}

void cmd_join(connection_self self, const irc_message& m) {
  if (m.params[0] == "0") {
    std::vector<std::string> all;
    for (const auto& [room, handle] : self->state.irc.channels)
      all.push_back(irc::channel_of(room));
    for_each_target(self, all, [self](const std::string& c) { part_one(self, c, ""); });
    return;
  }
  for_each_target(self, split_commas(m.params[0]),
                  [self](const std::string& c) { join_one(self, c); });
}

void cmd_part(connection_self self, const irc_message& m) {
  auto reason = m.params.size() > 1 ? m.params[1] : std::string{};
  for_each_target(self, split_commas(m.params[0]),
                  [self, reason](const std::string& c) { part_one(self, c, reason); });
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
  for_each_target(self, split_commas(m.params[0]), [self, text, kind](const std::string& t) {
    message_one(self, t, text, kind);
  });
}

void cmd_privmsg(connection_self self, const irc_message& m) {
  message_command(self, m, line_kind::say);
}
void cmd_notice(connection_self self, const irc_message& m) {
  message_command(self, m, line_kind::notice);
}

void cmd_names(connection_self self, const irc_message& m) {
  auto room = room_of(m.params[0]);
  auto& chans = self->state.irc.channels;
  auto i = room ? chans.find(*room) : chans.end();
  if (i == chans.end()) { // only your own channels are listed
    reply(self, numeric::RPL_ENDOFNAMES, {m.params[0]});
    return;
  }
  await_reply<list_members_result>(
    self, i->second, list_members{},
    [self, room = *room](list_members_result& r) { names_reply(self, room, r.members); },
    failed(self, "NAMES"));
}

void cmd_who(connection_self self, const irc_message& m) {
  auto room = room_of(m.params[0]);
  auto& chans = self->state.irc.channels;
  auto i = room ? chans.find(*room) : chans.end();
  if (i == chans.end()) {
    reply(self, numeric::RPL_ENDOFWHO, {m.params[0]});
    return;
  }
  await_reply<list_members_result>(
    self, i->second, list_members{},
    [self, channel = m.params[0]](list_members_result& r) {
      const auto& cfg = self->state.cfg;
      for (const auto& nick : r.members)
        reply(self, numeric::RPL_WHOREPLY, {channel, nick, cfg.host_cloak, cfg.server_name, nick, "H"},
              "0 " + nick);
      reply(self, numeric::RPL_ENDOFWHO, {channel});
    },
    failed(self, "WHO"));
}

void cmd_list(connection_self self, const irc_message&) {
  await_reply<list_rooms_result>(
    self, self->state.deps.directory, list_rooms{},
    [self](list_rooms_result& r) {
      reply(self, numeric::RPL_LISTSTART, {"Channel"});
      for (const auto& room : r.rooms)
        reply(self, numeric::RPL_LIST, {irc::channel_of(room.name), std::to_string(room.members)}, "");
      reply(self, numeric::RPL_LISTEND);
    },
    failed(self, "LIST"));
}

void cmd_whois(connection_self self, const irc_message& m) {
  auto target = m.params.back();
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    reply(self, numeric::ERR_NOSUCHNICK, {target});
    reply(self, numeric::RPL_ENDOFWHOIS, {target});
    return;
  }
  await_reply<lookup_user_result>(
    self, self->state.deps.directory, lookup_user{*nick},
    [self, nick = *nick](lookup_user_result& r) {
      const auto& cfg = self->state.cfg;
      if (!r.found)
        reply(self, numeric::ERR_NOSUCHNICK, {nick});
      else
        reply(self, numeric::RPL_WHOISUSER, {nick, nick, cfg.host_cloak, "*"}, nick);
      reply(self, numeric::RPL_ENDOFWHOIS, {nick});
    },
    failed(self, "WHOIS"));
}

void cmd_away(connection_self self, const irc_message& m) {
  auto& away = self->state.irc.away;
  away = m.params.empty() ? std::string{} : m.params[0];
  reply(self, away.empty() ? numeric::RPL_UNAWAY : numeric::RPL_NOWAWAY);
}

void cmd_mode(connection_self self, const irc_message& m) {
  const auto& target = m.params[0];
  if (target.empty() || target[0] != '#') {
    if (protocol::normalize_user_name(target) != self->state.irc.nick)
      reply(self, numeric::ERR_USERSDONTMATCH);
    else
      reply(self, numeric::RPL_UMODEIS, {"+"});
    return;
  }
  if (!room_of(target)) {
    reply(self, numeric::ERR_NOSUCHCHANNEL, {target});
    return;
  }
  if (m.params.size() > 1 && (m.params[1] == "b" || m.params[1] == "+b")) {
    reply(self, numeric::RPL_ENDOFBANLIST, {target}); // no bans: the list is empty
    return;
  }
  if (m.params.size() > 1) { // channel modes are not supported yet
    reply(self, numeric::ERR_CHANOPRIVSNEEDED, {target}, "Channel modes cannot be changed");
    return;
  }
  reply(self, numeric::RPL_CHANNELMODEIS, {target, "+nt"});
}

void cmd_topic(connection_self self, const irc_message& m) {
  auto room = room_of(m.params[0]);
  if (!room || !self->state.irc.channels.count(*room)) {
    reply(self, numeric::ERR_NOTONCHANNEL, {m.params[0]});
    return;
  }
  if (m.params.size() > 1) { // topics are not supported yet
    reply(self, numeric::ERR_CHANOPRIVSNEEDED, {m.params[0]}, "Topics cannot be set");
    return;
  }
  reply(self, numeric::RPL_NOTOPIC, {m.params[0]});
}

void cmd_motd(connection_self self, const irc_message&) {
  const auto& cfg = self->state.cfg;
  if (cfg.motd.empty()) {
    reply(self, numeric::ERR_NOMOTD);
    return;
  }
  reply(self, numeric::RPL_MOTDSTART, {}, "- " + cfg.server_name + " Message of the day -");
  for (const auto& line : cfg.motd)
    reply(self, numeric::RPL_MOTD, {}, "- " + line);
  reply(self, numeric::RPL_ENDOFMOTD);
}

void cmd_version(connection_self self, const irc_message&) {
  reply(self, numeric::RPL_VERSION, {"parley-0.1", self->state.cfg.server_name}, "");
}

void cmd_quit(connection_self self, const irc_message& m) {
  auto reason = m.params.empty() ? std::string{} : m.params[0];
  irc_message err;
  err.command = "ERROR";
  err.params = {"Closing Link: " + self->state.cfg.host_cloak + " (Quit: " + reason + ")"};
  send_msg(self, err);
  finish(self, reason, true);
}

// ISON and USERHOST ask the directory about each nick in turn and answer once with those found.
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
  auto host = self->state.cfg.host_cloak;
  presence_query(self, nicks, numeric::RPL_USERHOST,
                 [host](const std::string& n) { return n + "=+" + n + "@" + host; });
}

void cmd_pong(connection_self, const irc_message&) {}

struct irc_command {
  const char* name;
  void (*handler)(connection_self, const irc_message&);
  std::size_t min_params;
  bool before_registration; ///< allowed before the welcome burst
};

// The IRC command table, as data.
const irc_command irc_commands[] = {
  {"CAP", cmd_cap, 1, true},          {"AUTHENTICATE", cmd_authenticate, 1, true},
  {"PASS", cmd_pass, 1, true},        {"NICK", cmd_nick, 1, true},
  {"USER", cmd_user, 4, true},        {"PING", cmd_ping, 1, true},
  {"PONG", cmd_pong, 0, true},        {"QUIT", cmd_quit, 0, true},
  {"JOIN", cmd_join, 1, false},       {"PART", cmd_part, 1, false},
  {"PRIVMSG", cmd_privmsg, 0, false}, {"NOTICE", cmd_notice, 0, false},
  {"NAMES", cmd_names, 1, false},     {"WHO", cmd_who, 1, false},
  {"LIST", cmd_list, 0, false},       {"WHOIS", cmd_whois, 1, false},
  {"AWAY", cmd_away, 0, false},       {"MODE", cmd_mode, 1, false},
  {"TOPIC", cmd_topic, 1, false},     {"MOTD", cmd_motd, 0, false},
  {"VERSION", cmd_version, 0, false}, {"ISON", cmd_ison, 1, false},
  {"USERHOST", cmd_userhost, 1, false},
};

} // namespace

void irc_start(connection_self) {}

void irc_line_too_long(connection_self self) { reply(self, numeric::ERR_INPUTTOOLONG); }

void irc_handle_line(connection_self self, std::string line) {
  if (line.empty())
    return;
  std::string why;
  auto m = irc::parse_irc_line(line, &why);
  if (!m) {
    irc_message err;
    err.command = "ERROR";
    err.params = {"Malformed line: " + why};
    send_msg(self, err);
    return;
  }
  for (const auto& c : irc_commands) {
    if (m->command != c.name)
      continue;
    if (!c.before_registration && !registered(self))
      reply(self, numeric::ERR_NOTREGISTERED);
    else if (m->params.size() < c.min_params)
      reply(self, numeric::ERR_NEEDMOREPARAMS, {m->command});
    else
      c.handler(self, *m);
    return;
  }
  if (registered(self))
    reply(self, numeric::ERR_UNKNOWNCOMMAND, {m->command});
  else
    reply(self, numeric::ERR_NOTREGISTERED);
}

void irc_leave_all(connection_self self, const std::string& reason) {
  auto& st = self->state;
  for (const auto& [room, handle] : st.irc.channels)
    self->request(handle, caf::infinite, remove_member{st.irc.nick, leave_kind::quit, reason})
      .then([](remove_member_result&) {}, [](caf::error&) {});
  st.irc.channels.clear();
}

// A registered client that has sent nothing for a ping interval gets a PING; one that then
// stays silent for the ping timeout is dropped. Time is the actor clock's (virtual when
// simulated).
void irc_idle_check(connection_self self) {
  auto& st = self->state;
  if (st.ph != phase::chatting)
    return;
  auto now = self->clock().now();
  auto interval = std::chrono::milliseconds{st.cfg.irc_ping_interval_ms};
  auto timeout = std::chrono::milliseconds{st.cfg.irc_ping_timeout_ms};
  if (st.irc.ping_outstanding) {
    write(self, "ERROR :Closing link: ping timeout\r\n");
    finish(self, "ping timeout", true);
    return;
  }
  auto idle = now - st.irc.last_input;
  if (idle < interval) { // input came in meanwhile: look again when it would be idle
    // Rounded up: a zero delay would fire again at once, forever.
    schedule_idle_check(self, std::chrono::ceil<std::chrono::milliseconds>(interval - idle));
    return;
  }
  server_line(self, "PING", {st.cfg.server_name});
  st.irc.ping_outstanding = true;
  schedule_idle_check(self, timeout);
}

void irc_room_failed(connection_self self, const caf::actor_addr& who) {
  auto& chans = self->state.irc.channels;
  for (auto i = chans.begin(); i != chans.end(); ++i)
    if (i->second.address() == who) {
      auto room = i->first;
      chans.erase(i);
      write(self, irc::part(my_mask(self), room, "the channel failed; JOIN it again"));
      return;
    }
}

} // namespace parley::detail
