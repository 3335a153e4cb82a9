// IRC renderings of room events (see irc_events.hpp).
#include "protocol/irc_events.hpp"

namespace parley::protocol::irc {

namespace {
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts)
    s.append(p.data(), p.size());
  s += "\r\n";
  return s;
}
} // namespace

std::string channel_of(std::string_view room) { return "#" + std::string{room}; }

std::string mask_of(std::string_view nick, std::string_view host) {
  return std::string{nick} + "!" + std::string{nick} + "@" + std::string{host};
}

std::string privmsg(std::string_view mask, std::string_view target, std::string_view text) {
  return cat({":", mask, " PRIVMSG ", target, " :", text});
}

std::string notice(std::string_view mask, std::string_view target, std::string_view text) {
  return cat({":", mask, " NOTICE ", target, " :", text});
}

std::string action(std::string_view mask, std::string_view target, std::string_view text) {
  return cat({":", mask, " PRIVMSG ", target, " :\x01" "ACTION ", text, "\x01"});
}

std::string join(std::string_view mask, std::string_view room) {
  return cat({":", mask, " JOIN ", channel_of(room)});
}

std::string part(std::string_view mask, std::string_view room, std::string_view reason) {
  if (reason.empty())
    return cat({":", mask, " PART ", channel_of(room)});
  return cat({":", mask, " PART ", channel_of(room), " :", reason});
}

std::string quit(std::string_view mask, std::string_view reason) {
  return cat({":", mask, " QUIT :", reason.empty() ? std::string_view{"Quit"} : reason});
}

std::string mode(std::string_view mask, std::string_view channel, std::string_view letters,
                 const std::vector<std::string>& args) {
  std::string s = ":" + std::string{mask} + " MODE " + std::string{channel} + " " +
                  std::string{letters};
  for (std::size_t i = 0; i < args.size(); ++i)
    s += (i + 1 == args.size() && (args[i].empty() || args[i][0] == ':') ? " :" : " ") + args[i];
  return s + "\r\n";
}

std::string topic(std::string_view mask, std::string_view channel, std::string_view text) {
  return cat({":", mask, " TOPIC ", channel, " :", text});
}

std::string kick(std::string_view mask, std::string_view channel, std::string_view target,
                 std::string_view reason) {
  return cat({":", mask, " KICK ", channel, " ", target, " :", reason});
}

std::string nick(std::string_view mask, std::string_view new_nick) {
  return cat({":", mask, " NICK ", new_nick});
}

std::string away(std::string_view mask, std::string_view text) {
  if (text.empty())
    return cat({":", mask, " AWAY"});
  return cat({":", mask, " AWAY :", text});
}

std::string invite(std::string_view mask, std::string_view target, std::string_view channel) {
  return cat({":", mask, " INVITE ", target, " ", channel});
}

} // namespace parley::protocol::irc
