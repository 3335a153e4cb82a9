// IRCv3 capability negotiation (CAP LS, LIST, REQ, END) and SASL PLAIN authentication
// (AUTHENTICATE) before registration.
#include <algorithm>
#include <array>
#include <optional>
#include <sstream>
#include <string_view>

#include "sessions/irc/irc_common.hpp"
#include "protocol/base64.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/names.hpp"

namespace parley::detail::ircs {

namespace irc = protocol::irc;

namespace {

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

} // namespace

void cmd_cap(connection_self self, const irc_message& m) {
  auto& st = irc_of(self);
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
      irc_of(self).account = account;
      auto mask = irc::mask_of(irc_of(self).nick.empty() ? account : irc_of(self).nick,
                               self->state.cfg->host_cloak);
      reply(self, numeric::RPL_LOGGEDIN, {mask, account}, "You are now logged in as " + account);
      reply(self, numeric::RPL_SASLSUCCESS);
    },
    [self](caf::error&) { reply(self, numeric::ERR_SASLFAIL); });
}

void cmd_authenticate(connection_self self, const irc_message& m) {
  auto& st = irc_of(self);
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

} // namespace parley::detail::ircs
