// IRC registration: PASS, NICK and USER, the nick's account check, the claim of the nick in the
// directory and the welcome burst (001-005, LUSERS, MOTD); NICK changes after registration.
#include <chrono>
#include <string>

#include "sessions/irc/irc_common.hpp"
#include "protocol/channel_modes.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

// --- Registration ---

void auth_failed(connection_self self, numeric n, std::string text) {
  reply(self, n, {}, std::move(text));
  if (count_failed_login(self)) {
    write(self, "ERROR :Closing link: too many failed authentication attempts\r\n");
    finish(self, "too many failed logins", true);
  }
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
  const auto& nick = irc_of(self).nick;
  reply(self, numeric::RPL_WELCOME, {},
        "Welcome to the " + st.cfg->network_name + " IRC network " + my_mask(self));
  reply(self, numeric::RPL_YOURHOST, {}, "Your host is " + st.cfg->server_name + ", running Parley");
  reply(self, numeric::RPL_CREATED, {}, "This server was started by its operator");
  // User modes (users.cpp: +i, +o), then the channel modes' letters from their table.
  reply(self, numeric::RPL_MYINFO,
        {st.cfg->server_name, "parley-0.1", "io", irc::channel_mode_letters()});
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
    self, st.deps.directory, claim_name{irc_of(self).nick, caf::actor_cast<member_actor>(self)},
    [self](claim_name_result& r) {
      if (!r.ok) { // not registered: there is no nick of its own to address (as ircds do)
        reply_to(self, "*", numeric::ERR_NICKNAMEINUSE, {irc_of(self).nick});
        return;
      }
      auto& st = self->state;
      st.claimed = true;
      st.name = irc_of(self).nick;
      start_chatting(self);
      irc_of(self).last_input = self->clock().now();
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
  auto [account, password] = split_pass(irc_of(self).pass, irc_of(self).nick);
  if (account != irc_of(self).nick) {
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
      irc_of(self).account = irc_of(self).nick;
      claim_and_welcome(self);
    },
    failed(self, "PASS"));
}

// A nick that is a registered account is reserved for its owner: the client must have
// authenticated as it (SASL, or PASS). Anonymous nicks are allowed unless the server says not.
void check_credentials(connection_self self) {
  auto& st = self->state;
  if (irc_of(self).account == irc_of(self).nick) {
    claim_and_welcome(self);
    return;
  }
  if (!irc_of(self).pass.empty()) {
    check_pass(self);
    return;
  }
  await_reply<check_account_result>(
    self, st.deps.auth, check_account{irc_of(self).nick},
    [self](check_account_result& r) {
      if (r.exists) {
        reply_to(self, "*", numeric::ERR_NICKNAMEINUSE, {irc_of(self).nick},
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
  const auto& irc = irc_of(self);
  if (registered(self) || irc.nick.empty() || irc.user.empty() || irc.cap_negotiating)
    return;
  check_credentials(self);
}

// --- Registration commands ---

void cmd_pass(connection_self self, const irc_message& m) {
  if (registered(self)) {
    reply(self, numeric::ERR_ALREADYREGISTERED);
    return;
  }
  irc_of(self).pass = m.params[0];
}

// A registered client's new nick: a registered account's nick only for its owner, then the
// directory moves the name, then every channel learns it.
void change_nick(connection_self self, const std::string& nick) {
  auto& st = self->state;
  auto rename = [self, nick] {
    await_reply<rename_user_result>(
      self, self->state.deps.directory, rename_user{irc_of(self).nick, nick},
      [self, nick](rename_user_result& r) {
        if (!r.ok) {
          reply(self, numeric::ERR_NICKNAMEINUSE, {nick});
          return;
        }
        auto& st = self->state;
        auto old_nick = irc_of(self).nick;
        write_event(self, irc::nick(my_mask(self), nick));
        irc_of(self).nick = nick;
        st.name = nick;
        rename_in_channels(self, old_nick);
      },
      failed(self, "NICK"));
  };
  if (irc_of(self).account == nick) {
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
    if (*nick != irc_of(self).nick)
      change_nick(self, *nick);
    return;
  }
  irc_of(self).nick = *nick;
  try_register(self);
}

void cmd_user(connection_self self, const irc_message& m) {
  if (registered(self)) {
    reply(self, numeric::ERR_ALREADYREGISTERED);
    return;
  }
  irc_of(self).user = m.params[0];
  irc_of(self).realname = m.params.back();
  try_register(self);
}

} // namespace parley::detail::ircs
