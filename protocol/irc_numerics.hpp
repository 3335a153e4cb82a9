// Every IRC numeric reply Parley sends, in one table: code, standard name (RFC 1459/2812, the
// Modern IRC client protocol, IRCv3 sasl), whether the reply ends in a trailing parameter, and
// its default trailing text as given in the Modern IRC docs ("" when the text is variable).
// make_numeric builds ":server 433 * nick :Nickname is already in use" style messages. CAF-free.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "protocol/irc_message.hpp"

// X(name, code, has_trailing, default_text)
#define PARLEY_IRC_NUMERICS(X)                                                                   \
  X(RPL_WELCOME, 1, true, "")                                                                    \
  X(RPL_YOURHOST, 2, true, "")                                                                   \
  X(RPL_CREATED, 3, true, "")                                                                    \
  X(RPL_MYINFO, 4, false, "")                                                                    \
  X(RPL_ISUPPORT, 5, true, "are supported by this server")                                       \
  X(RPL_UMODEIS, 221, false, "")                                                                 \
  X(RPL_LUSERCLIENT, 251, true, "")                                                              \
  X(RPL_LUSEROP, 252, true, "operator(s) online")                                                \
  X(RPL_LUSERUNKNOWN, 253, true, "unknown connection(s)")                                        \
  X(RPL_LUSERCHANNELS, 254, true, "channels formed")                                             \
  X(RPL_LUSERME, 255, true, "")                                                                  \
  X(RPL_LOCALUSERS, 265, true, "")                                                               \
  X(RPL_GLOBALUSERS, 266, true, "")                                                              \
  X(RPL_AWAY, 301, true, "")                                                                     \
  X(RPL_USERHOST, 302, true, "")                                                                 \
  X(RPL_ISON, 303, true, "")                                                                     \
  X(RPL_UNAWAY, 305, true, "You are no longer marked as being away")                             \
  X(RPL_NOWAWAY, 306, true, "You have been marked as being away")                                \
  X(RPL_WHOISUSER, 311, true, "")                                                                \
  X(RPL_WHOISSERVER, 312, true, "")                                                              \
  X(RPL_WHOISOPERATOR, 313, true, "is an IRC operator")                                          \
  X(RPL_ENDOFWHO, 315, true, "End of WHO list")                                                  \
  X(RPL_WHOISIDLE, 317, true, "seconds idle, signon time")                                       \
  X(RPL_ENDOFWHOIS, 318, true, "End of /WHOIS list")                                             \
  X(RPL_WHOISCHANNELS, 319, true, "")                                                            \
  X(RPL_LISTSTART, 321, true, "Users  Name")                                                     \
  X(RPL_LIST, 322, true, "")                                                                     \
  X(RPL_LISTEND, 323, true, "End of /LIST")                                                      \
  X(RPL_CHANNELMODEIS, 324, false, "")                                                           \
  X(RPL_CREATIONTIME, 329, false, "")                                                            \
  X(RPL_WHOISACCOUNT, 330, true, "is logged in as")                                              \
  X(RPL_NOTOPIC, 331, true, "No topic is set")                                                   \
  X(RPL_TOPIC, 332, true, "")                                                                    \
  X(RPL_TOPICWHOTIME, 333, false, "")                                                            \
  X(RPL_INVITING, 341, false, "")                                                                \
  X(RPL_VERSION, 351, true, "")                                                                  \
  X(RPL_WHOREPLY, 352, true, "")                                                                 \
  X(RPL_NAMREPLY, 353, true, "")                                                                 \
  X(RPL_ENDOFNAMES, 366, true, "End of /NAMES list")                                             \
  X(RPL_BANLIST, 367, false, "")                                                                 \
  X(RPL_ENDOFBANLIST, 368, true, "End of channel ban list")                                      \
  X(RPL_MOTD, 372, true, "")                                                                     \
  X(RPL_MOTDSTART, 375, true, "")                                                                \
  X(RPL_ENDOFMOTD, 376, true, "End of /MOTD command.")                                           \
  X(RPL_YOUREOPER, 381, true, "You are now an IRC operator")                                     \
  X(RPL_TIME, 391, true, "")                                                                     \
  X(ERR_NOSUCHNICK, 401, true, "No such nick/channel")                                           \
  X(ERR_NOSUCHCHANNEL, 403, true, "No such channel")                                             \
  X(ERR_CANNOTSENDTOCHAN, 404, true, "Cannot send to channel")                                   \
  X(ERR_NORECIPIENT, 411, true, "No recipient given")                                            \
  X(ERR_NOTEXTTOSEND, 412, true, "No text to send")                                              \
  X(ERR_INPUTTOOLONG, 417, true, "Input line was too long")                                      \
  X(ERR_INVALIDCAPCMD, 410, true, "Invalid CAP command")                                         \
  X(ERR_UNKNOWNCOMMAND, 421, true, "Unknown command")                                            \
  X(ERR_NOMOTD, 422, true, "MOTD File is missing")                                               \
  X(ERR_NONICKNAMEGIVEN, 431, true, "No nickname given")                                         \
  X(ERR_ERRONEUSNICKNAME, 432, true, "Erroneus nickname")                                        \
  X(ERR_NICKNAMEINUSE, 433, true, "Nickname is already in use")                                  \
  X(ERR_USERNOTINCHANNEL, 441, true, "They aren't on that channel")                              \
  X(ERR_NOTONCHANNEL, 442, true, "You're not on that channel")                                   \
  X(ERR_USERONCHANNEL, 443, true, "is already on channel")                                       \
  X(ERR_NOTREGISTERED, 451, true, "You have not registered")                                     \
  X(ERR_NEEDMOREPARAMS, 461, true, "Not enough parameters")                                      \
  X(ERR_ALREADYREGISTERED, 462, true, "You may not reregister")                                  \
  X(ERR_PASSWDMISMATCH, 464, true, "Password incorrect")                                         \
  X(ERR_KEYSET, 467, true, "Channel key already set")                                            \
  X(ERR_CHANNELISFULL, 471, true, "Cannot join channel (+l)")                                    \
  X(ERR_UNKNOWNMODE, 472, true, "is unknown mode char to me")                                    \
  X(ERR_INVITEONLYCHAN, 473, true, "Cannot join channel (+i)")                                   \
  X(ERR_BANNEDFROMCHAN, 474, true, "Cannot join channel (+b)")                                   \
  X(ERR_BADCHANNELKEY, 475, true, "Cannot join channel (+k)")                                    \
  X(ERR_BADCHANMASK, 476, true, "Bad Channel Mask")                                              \
  X(ERR_NOPRIVILEGES, 481, true, "Permission Denied- You're not an IRC operator")                \
  X(ERR_CHANOPRIVSNEEDED, 482, true, "You're not channel operator")                              \
  X(ERR_NOOPERHOST, 491, true, "No O-lines for your host")                                      \
  X(ERR_UMODEUNKNOWNFLAG, 501, true, "Unknown MODE flag")                                        \
  X(ERR_USERSDONTMATCH, 502, true, "Cant change mode for other users")                           \
  X(RPL_LOGGEDIN, 900, true, "")                                                                 \
  X(RPL_SASLSUCCESS, 903, true, "SASL authentication successful")                                \
  X(ERR_SASLFAIL, 904, true, "SASL authentication failed")                                       \
  X(ERR_SASLTOOLONG, 905, true, "SASL message too long")                                         \
  X(ERR_SASLABORTED, 906, true, "SASL authentication aborted")                                   \
  X(ERR_SASLALREADY, 907, true, "You have already authenticated using SASL")                     \
  X(RPL_SASLMECHS, 908, true, "are available SASL mechanisms")

namespace parley::protocol::irc {

enum class numeric : std::uint16_t {
#define PARLEY_IRC_NUMERIC_ENUM(name, code, trailing, text) name = code,
  PARLEY_IRC_NUMERICS(PARLEY_IRC_NUMERIC_ENUM)
#undef PARLEY_IRC_NUMERIC_ENUM
};

/// The standard name, e.g. "ERR_NICKNAMEINUSE".
inline const char* numeric_name(numeric n) {
  switch (n) {
#define PARLEY_IRC_NUMERIC_NAME(name, code, trailing, text)                                      \
  case numeric::name:                                                                            \
    return #name;
    PARLEY_IRC_NUMERICS(PARLEY_IRC_NUMERIC_NAME)
#undef PARLEY_IRC_NUMERIC_NAME
  }
  return "";
}

/// The default trailing text ("" where the docs give a variable text or none). ERR_NORECIPIENT's
/// text is sent as "No recipient given (PRIVMSG)": the caller appends the command.
inline const char* numeric_text(numeric n) {
  switch (n) {
#define PARLEY_IRC_NUMERIC_TEXT(name, code, trailing, text)                                      \
  case numeric::name:                                                                            \
    return text;
    PARLEY_IRC_NUMERICS(PARLEY_IRC_NUMERIC_TEXT)
#undef PARLEY_IRC_NUMERIC_TEXT
  }
  return "";
}

/// False for the replies whose documented form ends without a trailing parameter
/// (004, 221, 324, 329, 333, 341, 367).
inline bool numeric_has_trailing(numeric n) {
  switch (n) {
#define PARLEY_IRC_NUMERIC_TRAILING(name, code, trailing, text)                                  \
  case numeric::name:                                                                            \
    return trailing;
    PARLEY_IRC_NUMERICS(PARLEY_IRC_NUMERIC_TRAILING)
#undef PARLEY_IRC_NUMERIC_TRAILING
  }
  return true;
}

/// The three digits, e.g. "001", "433".
inline std::string numeric_code(numeric n) {
  auto v = static_cast<unsigned>(n);
  return {static_cast<char>('0' + v / 100 % 10), static_cast<char>('0' + v / 10 % 10),
          static_cast<char>('0' + v % 10)};
}

/// ":server NNN target middle... :trailing". The target is "*" while the client has no nick.
/// An empty `trailing` is replaced by numeric_text(n); when that is empty too, the reply gets an
/// empty trailing parameter (e.g. RPL_LIST with no topic), except for numerics without one.
inline irc_message make_numeric(const std::string& server, numeric n,
                                const std::string& target_nick, std::vector<std::string> middle,
                                std::string trailing) {
  irc_message msg;
  msg.prefix = server;
  msg.command = numeric_code(n);
  msg.params.reserve(middle.size() + 2);
  msg.params.push_back(target_nick.empty() ? "*" : target_nick);
  for (auto& p : middle)
    msg.params.push_back(std::move(p));
  if (trailing.empty())
    trailing = numeric_text(n);
  if (!trailing.empty() || numeric_has_trailing(n))
    msg.params.push_back(std::move(trailing));
  return msg;
}

} // namespace parley::protocol::irc
