// IRC server operators: OPER (a configured account with its own password) and KILL.
#include <algorithm>

#include "sessions/irc/irc_common.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

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
      irc_of(self).oper = true;
      // The directory first: once the client has its 381, anyone's LUSERS counts it.
      self->send(st.deps.directory, set_operator{irc_of(self).nick, true});
      reply(self, numeric::RPL_YOUREOPER);
      write_event(self, ":" + irc_of(self).nick + " MODE " + irc_of(self).nick + " :+o\r\n");
    },
    failed(self, "OPER"));
}

void cmd_kill(connection_self self, const irc_message& m) {
  if (!irc_of(self).oper) {
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
        self->send(r.member, end_session{irc_of(self).nick, reason});
    },
    failed(self, "KILL"));
}

} // namespace parley::detail::ircs
