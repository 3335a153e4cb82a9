// The connection actor's IRC session: registration (PASS, NICK, USER, CAP, SASL PLAIN), the
// welcome burst, users and operators (NICK changes, AWAY, OPER, KILL, WHOIS, ...), message tags
// and flood control, and the command table. Channel commands live in irc_channels.cpp. It
// shares everything else with the line protocol: the connection shell (framing, output bound,
// back-pressure), the rooms (IRC channel #lobby is room lobby), the directory and the
// authenticator. Like the line protocol, a line whose handling asks another actor holds back
// the lines after it (await_reply), so replies never overtake the fan-out of earlier messages.
#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <optional>
#include <sstream>
#include <string_view>

#include "actors/irc_common.hpp"
#include "protocol/base64.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

// --- Output ---

void send_msg(connection_self self, const irc_message& m) { write(self, irc::format_irc(m)); }

namespace {

// A middle parameter may not be empty, hold a space or start with ':'. Replies echo what the
// client sent (a nick, a channel), so it is cut to its first word, or "*" when nothing is left.
std::string middle_param(const std::string& s) {
  auto word = s.substr(0, s.find(' '));
  while (!word.empty() && word[0] == ':')
    word.erase(0, 1);
  return word.empty() ? std::string{"*"} : word;
}

// "2026-11-27T20:41:07.123Z", the form of the server-time tag.
std::tm utc_of(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// The tags this client asked for (server-time, account-tag), as "@a=b;c=d " or "".
std::string tags_for(connection_self self, const std::string& account) {
  const auto& caps = self->state.irc.caps;
  return irc::event_tags(caps.has(irc_cap::server_time), wall_ms(self),
                         caps.has(irc_cap::account_tag), account);
}

} // namespace

void reply(connection_self self, numeric n, std::vector<std::string> middle,
           std::string trailing) {
  reply_to(self, self->state.irc.nick, n, std::move(middle), std::move(trailing));
}

void reply_to(connection_self self, const std::string& target, numeric n,
              std::vector<std::string> middle, std::string trailing) {
  for (auto& p : middle)
    p = middle_param(p);
  send_msg(self, irc::make_numeric(self->state.cfg->server_name, n, target, std::move(middle),
                                   std::move(trailing)));
}

void server_line(connection_self self, const std::string& command,
                 std::vector<std::string> params) {
  irc_message m;
  m.prefix = self->state.cfg->server_name;
  m.command = command;
  m.params = std::move(params);
  send_msg(self, m);
}

void write_event(connection_self self, const std::string& line) {
  write(self, tags_for(self, self->state.irc.account) + line);
}

std::string my_mask(connection_self self) {
  return irc::mask_of(self->state.irc.nick, self->state.cfg->host_cloak);
}

bool registered(connection_self self) { return self->state.ph == phase::chatting; }

std::function<void(caf::error&)> failed(connection_self self, const char* command) {
  return [self, command](caf::error&) {
    server_line(self, "FAIL", {command, "TEMPORARILY_UNAVAILABLE", "The server could not complete that"});
  };
}

std::int64_t wall_ms(connection_self self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count() +
         self->state.cfg->wall_clock_offset_ms;
}

std::uint64_t next_once(connection_self self) {
  // Unique per session (actor ids are unique), and the same in every room the event goes to.
  return (self->id() << 24) | (++self->state.irc.once_issued & 0xFFFFFF);
}

namespace {

// --- Registration ---

// A wrong password (PASS or SASL) counts like a failed login of the line protocol: a growing
// pause before the next line, and the connection is closed after max_failed_logins.
void auth_failed(connection_self self, numeric n, std::string text = {}) {
  auto& st = self->state;
  reply(self, n, {}, std::move(text));
  if (++st.failed_logins >= st.cfg->max_failed_logins) {
    write(self, "ERROR :Closing link: too many failed authentication attempts\r\n");
    finish(self, "too many failed logins", true);
    return;
  }
  st.busy = true; // released by login_delay_elapsed
  self->delayed_send(self, std::chrono::milliseconds{st.cfg->failed_login_delay_ms * st.failed_logins},
                     login_delay_elapsed{});
}

void lusers(connection_self self, const get_server_stats_result& s) {
  reply(self, numeric::RPL_LUSERCLIENT, {},
        "There are " + std::to_string(s.users) + " users and 0 invisible on 1 servers");
  if (s.operators > 0)
    reply(self, numeric::RPL_LUSEROP, {std::to_string(s.operators)});
  reply(self, numeric::RPL_LUSERCHANNELS, {std::to_string(s.rooms)});
  reply(self, numeric::RPL_LUSERME, {},
        "I have " + std::to_string(s.users) + " clients and 0 servers");
}

void motd(connection_self self) {
  const auto& cfg = *self->state.cfg;
  if (cfg.motd.empty()) {
    reply(self, numeric::ERR_NOMOTD);
    return;
  }
  reply(self, numeric::RPL_MOTDSTART, {}, "- " + cfg.server_name + " Message of the day -");
  for (const auto& line : cfg.motd)
    reply(self, numeric::RPL_MOTD, {}, "- " + line);
  reply(self, numeric::RPL_ENDOFMOTD);
}

void welcome(connection_self self, const get_server_stats_result& stats) {
  auto& st = self->state;
  const auto& nick = st.irc.nick;
  reply(self, numeric::RPL_WELCOME, {},
        "Welcome to the " + st.cfg->network_name + " IRC network " + my_mask(self));
  reply(self, numeric::RPL_YOURHOST, {}, "Your host is " + st.cfg->server_name + ", running Parley");
  reply(self, numeric::RPL_CREATED, {}, "This server was started by its operator");
  reply(self, numeric::RPL_MYINFO, {st.cfg->server_name, "parley-0.1", "io", "biklmnostv"});
  irc::isupport_config is;
  is.network = st.cfg->network_name;
  is.nicklen = protocol::max_name_length;
  is.channellen = protocol::max_name_length + 1;
  for (auto& m : irc::isupport_lines(st.cfg->server_name, nick, is))
    send_msg(self, m);
  lusers(self, stats);
  motd(self);
}

void claim_and_welcome(connection_self self) {
  auto& st = self->state;
  await_reply<claim_name_result>(
    self, st.deps.directory, claim_name{st.irc.nick, caf::actor_cast<member_actor>(self)},
    [self](claim_name_result& r) {
      if (!r.ok) { // not registered: there is no nick of its own to address (as ircds do)
        reply_to(self, "*", numeric::ERR_NICKNAMEINUSE, {self->state.irc.nick});
        return;
      }
      auto& st = self->state;
      st.claimed = true;
      st.name = st.irc.nick;
      start_chatting(self);
      st.irc.last_input = self->clock().now();
      await_reply<get_server_stats_result>(
        self, st.deps.directory, get_server_stats{},
        [self](get_server_stats_result& s) { welcome(self, s); },
        [self](caf::error&) { welcome(self, {}); });
    },
    failed(self, "NICK"));
}

/// "account:password" or "password" (then the account is the nick).
std::pair<std::string, std::string> split_pass(const std::string& pass, const std::string& nick) {
  auto colon = pass.find(':');
  if (colon == std::string::npos)
    return {nick, pass};
  auto account = protocol::normalize_user_name(pass.substr(0, colon));
  return {account.value_or(""), pass.substr(colon + 1)};
}

// PASS authenticates an account; it must be the nick's own account, as with SASL.
void check_pass(connection_self self) {
  auto& st = self->state;
  auto [account, password] = split_pass(st.irc.pass, st.irc.nick);
  if (account != st.irc.nick) {
    reply(self, numeric::ERR_PASSWDMISMATCH, {}, "PASS names another account than your nick");
    return;
  }
  await_reply<verify_password_result>(
    self, st.deps.auth, verify_password{account, secret{password}},
    [self](verify_password_result& r) {
      if (!r.ok) {
        auth_failed(self, numeric::ERR_PASSWDMISMATCH);
        return;
      }
      self->state.irc.account = self->state.irc.nick;
      claim_and_welcome(self);
    },
    failed(self, "PASS"));
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
    check_pass(self);
    return;
  }
  await_reply<check_account_result>(
    self, st.deps.auth, check_account{st.irc.nick},
    [self](check_account_result& r) {
      if (r.exists) {
        reply_to(self, "*", numeric::ERR_NICKNAMEINUSE, {self->state.irc.nick},
                 "Nickname is registered to an account: authenticate with SASL or PASS");
        return;
      }
      if (self->state.cfg->irc_require_account) {
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

// --- CAP and SASL ---

constexpr std::array<std::string_view, static_cast<std::size_t>(irc_cap::count)> cap_names{
  "account-tag", "away-notify", "echo-message", "message-tags", "multi-prefix", "sasl",
  "server-time"};

std::optional<irc_cap> cap_named(std::string_view name) {
  for (std::size_t i = 0; i < cap_names.size(); ++i)
    if (cap_names[i] == name)
      return static_cast<irc_cap>(i);
  return std::nullopt;
}

// The capabilities `has` accepts, space-separated; with_values: as CAP LS 302 lists them.
template <class Has>
std::string caps_list(Has has, bool with_values) {
  std::string s;
  for (std::size_t i = 0; i < cap_names.size(); ++i) {
    if (!has(static_cast<irc_cap>(i)))
      continue;
    s += (s.empty() ? "" : " ") + std::string{cap_names[i]};
    if (with_values && static_cast<irc_cap>(i) == irc_cap::sasl)
      s += "=PLAIN";
  }
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
    server_line(self, "CAP", {nick, "LS", caps_list([](irc_cap) { return true; }, v302)});
  } else if (sub == "LIST") {
    server_line(self, "CAP",
                {nick, "LIST", caps_list([&](irc_cap c) { return st.caps.has(c); }, false)});
  } else if (sub == "REQ" && m.params.size() > 1) {
    if (!registered(self))
      st.cap_negotiating = true;
    // All or nothing: one unknown name refuses the whole request.
    std::vector<std::pair<irc_cap, bool>> asked; // capability, enable
    std::stringstream in{m.params[1]};
    for (std::string c; in >> c;) {
      bool off = c[0] == '-';
      auto cap = cap_named(std::string_view{c}.substr(off ? 1 : 0));
      if (!cap) {
        server_line(self, "CAP", {nick, "NAK", m.params[1]});
        return;
      }
      asked.emplace_back(*cap, !off);
    }
    for (auto [cap, on] : asked)
      st.caps.set(cap, on);
    server_line(self, "CAP", {nick, "ACK", m.params[1]});
    for (const auto& [room, handle] : st.channels) // events now render differently
      route_deliveries(self, handle, st.nick);
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
                               self->state.cfg->host_cloak);
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
  // A 400-byte chunk announces more to come (IRCv3 sasl); a PLAIN payload never needs it.
  if (arg.size() >= 400) {
    reply(self, numeric::ERR_SASLTOOLONG);
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

// A registered client's new nick: a registered account's nick only for its owner, then the
// directory moves the name, then every channel learns it.
void change_nick(connection_self self, const std::string& nick) {
  auto& st = self->state;
  auto rename = [self, nick] {
    await_reply<rename_user_result>(
      self, self->state.deps.directory, rename_user{self->state.irc.nick, nick},
      [self, nick](rename_user_result& r) {
        if (!r.ok) {
          reply(self, numeric::ERR_NICKNAMEINUSE, {nick});
          return;
        }
        auto& st = self->state;
        auto old_nick = st.irc.nick;
        write_event(self, irc::nick(my_mask(self), nick));
        st.irc.nick = nick;
        st.name = nick;
        rename_in_channels(self, old_nick);
      },
      failed(self, "NICK"));
  };
  if (st.irc.account == nick) {
    rename();
    return;
  }
  await_reply<check_account_result>(
    self, st.deps.auth, check_account{nick}, [self, nick, rename](check_account_result& r) {
      if (r.exists)
        reply(self, numeric::ERR_NICKNAMEINUSE, {nick},
              "Nickname is registered to an account: authenticate as it first");
      else
        rename();
    },
    failed(self, "NICK"));
}

void cmd_nick(connection_self self, const irc_message& m) {
  if (m.params.empty() || m.params[0].empty()) {
    reply(self, numeric::ERR_NONICKNAMEGIVEN);
    return;
  }
  auto nick = protocol::normalize_user_name(m.params[0]);
  if (!nick) {
    reply(self, numeric::ERR_ERRONEUSNICKNAME, {m.params[0]});
    return;
  }
  if (registered(self)) {
    if (*nick != self->state.irc.nick)
      change_nick(self, *nick);
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

// --- Users ---

void cmd_ping(connection_self self, const irc_message& m) {
  server_line(self, "PONG", {self->state.cfg->server_name, m.params[0]});
}

void cmd_pong(connection_self, const irc_message&) {}

// 319: the user's channels, but a secret (+s) one only to someone who shares it (or to the
// user itself, or a server operator), as ircds do.
std::string visible_channels(connection_self self, const std::string& nick,
                             const describe_user_result& r) {
  const auto& me = self->state.irc;
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
  auto& away = self->state.irc.away;
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
  const auto& st = self->state.irc;
  return std::string{"+"} + (st.invisible ? "i" : "") + (st.oper ? "o" : "");
}

// User modes: i is the client's to set; o comes only from OPER, and may be dropped.
void cmd_user_mode(connection_self self, const irc_message& m) {
  auto& st = self->state.irc;
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

void cmd_quit(connection_self self, const irc_message& m) {
  auto reason = m.params.empty() ? std::string{} : m.params[0];
  irc_message err;
  err.command = "ERROR";
  err.params = {"Closing Link: " + self->state.cfg->host_cloak + " (Quit: " + reason + ")"};
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
  auto host = self->state.cfg->host_cloak;
  presence_query(self, nicks, numeric::RPL_USERHOST,
                 [host](const std::string& n) { return n + "=+" + n + "@" + host; });
}

// TAGMSG carries only client tags (typing notifications and the like); Parley does not relay
// client-only tags, so it is accepted and dropped.
void cmd_tagmsg(connection_self, const irc_message&) {}

// --- Operators ---

// OPER NAME PASSWORD: NAME must be one of the configured operator accounts, and the password
// is that account's, checked by the authenticator (no operator passwords in the config file).
void cmd_oper(connection_self self, const irc_message& m) {
  auto& st = self->state;
  auto name = protocol::normalize_user_name(m.params[0]);
  const auto& ops = st.cfg->irc_operators;
  if (!name || std::find(ops.begin(), ops.end(), *name) == ops.end()) {
    reply(self, numeric::ERR_NOOPERHOST);
    return;
  }
  await_reply<verify_password_result>(
    self, st.deps.auth, verify_password{*name, secret{m.params[1]}},
    [self, name = *name](verify_password_result& r) {
      if (!r.ok) {
        auth_failed(self, numeric::ERR_PASSWDMISMATCH);
        return;
      }
      auto& st = self->state;
      st.irc.oper = true;
      // The directory first: once the client has its 381, anyone's LUSERS counts it.
      self->send(st.deps.directory, set_operator{st.irc.nick, true});
      reply(self, numeric::RPL_YOUREOPER);
      write_event(self, ":" + st.irc.nick + " MODE " + st.irc.nick + " :+o\r\n");
    },
    failed(self, "OPER"));
}

void cmd_kill(connection_self self, const irc_message& m) {
  if (!self->state.irc.oper) {
    reply(self, numeric::ERR_NOPRIVILEGES);
    return;
  }
  auto target = m.params[0];
  auto nick = protocol::normalize_user_name(target);
  if (!nick) {
    reply(self, numeric::ERR_NOSUCHNICK, {target});
    return;
  }
  auto reason = m.params[1];
  await_reply<lookup_user_result>(
    self, self->state.deps.directory, lookup_user{*nick},
    [self, target, reason](lookup_user_result& r) {
      if (!r.found)
        reply(self, numeric::ERR_NOSUCHNICK, {target});
      else
        self->send(r.member, end_session{self->state.irc.nick, reason});
    },
    failed(self, "KILL"));
}

struct irc_command {
  const char* name;
  void (*handler)(connection_self, const irc_message&);
  std::size_t min_params;
  bool before_registration; ///< allowed before the welcome burst
};

// The IRC command table, as data.
const irc_command irc_commands[] = {
  {"CAP", cmd_cap, 1, true},          {"AUTHENTICATE", cmd_authenticate, 1, true},
  {"PASS", cmd_pass, 1, true},        {"NICK", cmd_nick, 0, true},
  {"USER", cmd_user, 4, true},        {"PING", cmd_ping, 1, true},
  {"PONG", cmd_pong, 0, true},        {"QUIT", cmd_quit, 0, true},
  {"JOIN", cmd_join, 1, false},       {"PART", cmd_part, 1, false},
  {"PRIVMSG", cmd_privmsg, 0, false}, {"NOTICE", cmd_notice, 0, false},
  {"NAMES", cmd_names, 1, false},     {"WHO", cmd_who, 1, false},
  {"LIST", cmd_list, 0, false},       {"WHOIS", cmd_whois, 1, false},
  {"AWAY", cmd_away, 0, false},       {"MODE", cmd_mode, 1, false},
  {"TOPIC", cmd_topic, 1, false},     {"MOTD", cmd_motd, 0, false},
  {"VERSION", cmd_version, 0, false}, {"ISON", cmd_ison, 1, false},
  {"USERHOST", cmd_userhost, 1, false}, {"LUSERS", cmd_lusers, 0, false},
  {"TIME", cmd_time, 0, false},       {"KICK", cmd_kick, 2, false},
  {"INVITE", cmd_invite, 2, false},   {"OPER", cmd_oper, 2, false},
  {"KILL", cmd_kill, 2, false},       {"TAGMSG", cmd_tagmsg, 1, false},
};

} // namespace
} // namespace parley::detail::ircs

namespace parley::detail {

using namespace ircs;
namespace irc = protocol::irc;

void irc_start(connection_self) {}

std::vector<std::string> irc_command_names() {
  std::vector<std::string> names;
  for (const auto& c : irc_commands)
    names.emplace_back(c.name);
  return names;
}

void irc_line_too_long(connection_self self) { reply(self, numeric::ERR_INPUTTOOLONG); }

void irc_handle_line(connection_self self, std::string line) {
  if (line.empty())
    return;
  if (irc::irc_line_too_long(line)) { // 512 bytes without tags, the tags on top
    reply(self, numeric::ERR_INPUTTOOLONG);
    return;
  }
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
    else {
      if (const auto& told = self->state.cfg->on_command)
        told(wire_protocol::irc, c.name);
      c.handler(self, *m);
    }
    return;
  }
  if (registered(self))
    reply(self, numeric::ERR_UNKNOWNCOMMAND, {m->command});
  else
    reply(self, numeric::ERR_NOTREGISTERED);
}

void irc_leave_all(connection_self self, const std::string& reason) {
  auto& st = self->state;
  // One id for the quit in every channel: a client sharing several sees one QUIT.
  auto once = st.irc.channels.empty() ? 0 : next_once(self);
  for (const auto& [room, handle] : st.irc.channels)
    self->request(handle, caf::infinite, remove_member{st.irc.nick, leave_kind::quit, reason, once})
      .then([](remove_member_result&) {}, [](caf::error&) {});
  st.irc.channels.clear();
}

void irc_deliver(connection_self self, const deliver_text& x) {
  auto& st = self->state.irc;
  if (x.irc.size() == 0)
    return;
  if (x.to == audience::away_notify && !st.caps.has(irc_cap::away_notify))
    return;
  // An event from several rooms (x.once) is shown once: the transport drops repeats, since
  // rooms may also write it to this client directly (delivery_route).
  auto tags = tags_for(self, x.account);
  write_shared(self, tags.empty() ? x.irc : shared_text{tags + x.irc.str()}, x.once);
}

void irc_removed_from(connection_self self, const std::string& room) {
  auto& chans = self->state.irc.channels;
  if (auto i = chans.find(room); i != chans.end()) {
    self->demonitor(i->second.address());
    chans.erase(i);
  }
}

void irc_killed(connection_self self, const end_session& x) {
  auto reason = "Killed (" + x.by + " (" + x.reason + "))";
  irc_message err;
  err.command = "ERROR";
  err.params = {"Closing Link: " + self->state.cfg->host_cloak + " (" + reason + ")"};
  send_msg(self, err);
  finish(self, reason, true);
}

// The classic ircd scheme: each line moves the client's message time forward by the penalty;
// while it runs more than the burst ahead of the clock, input waits (and, once enough is
// queued, reading stops: back-pressure, never unbounded buffering). Operators are exempt.
bool irc_flood_gate(connection_self self) {
  auto& st = self->state;
  if (st.cfg->irc_flood_penalty_ms == 0 || st.irc.oper)
    return true;
  auto now = self->clock().now();
  if (st.irc.flood_time < now)
    st.irc.flood_time = now;
  auto burst = std::chrono::milliseconds{st.cfg->irc_flood_burst_ms};
  if (st.irc.flood_time - now > burst) {
    st.irc.throttled = true;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(st.irc.flood_time - now - burst);
    self->delayed_send(self, wait, flood_resume{});
    return false;
  }
  st.irc.flood_time += std::chrono::milliseconds{st.cfg->irc_flood_penalty_ms};
  return true;
}

// A registered client that has sent nothing for a ping interval gets a PING; one that then
// stays silent for the ping timeout is dropped. Called at each of the IRC listener's idle
// sweeps (idle_sweep_due), not by a timer per client: so both happen at the first sweep after
// they are due. Time is the actor clock's (virtual when simulated).
void irc_idle_check(connection_self self) {
  auto& st = self->state;
  if (st.ph != phase::chatting || st.cfg->irc_ping_interval_ms == 0)
    return;
  auto now = self->clock().now();
  if (st.irc.ping_sent) {
    if (now - *st.irc.ping_sent >= std::chrono::milliseconds{st.cfg->irc_ping_timeout_ms}) {
      write(self, "ERROR :Closing link: ping timeout\r\n");
      finish(self, "ping timeout", true);
    }
    return;
  }
  if (now - st.irc.last_input < std::chrono::milliseconds{st.cfg->irc_ping_interval_ms})
    return;
  server_line(self, "PING", {st.cfg->server_name});
  st.irc.ping_sent = now;
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

describe_member_result irc_describe(connection_self self) {
  const auto& irc = self->state.irc;
  describe_member_result r;
  r.user = irc.nick; // the user part of every IRC mask here (irc::mask_of)
  r.realname = irc.realname.empty() ? irc.nick : irc.realname;
  r.away = irc.away;
  r.account = irc.account;
  r.oper = irc.oper;
  for (const auto& [room, handle] : irc.channels)
    r.rooms.push_back(room);
  return r;
}

} // namespace parley::detail
