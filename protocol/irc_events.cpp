// IRC renderings of room events (see irc_events.hpp).
#include "protocol/irc_events.hpp"

#include <cstdio>
#include <ctime>

#include "protocol/channel_modes.hpp"
#include "protocol/irc_message.hpp"

namespace parley::protocol::irc {

std::string iso_time(std::int64_t wall_ms) {
  std::time_t secs = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(wall_ms % 1000));
  return buf;
}

std::string event_tags(bool server_time, std::int64_t wall_ms, bool account_tag,
                       std::string_view account) {
  std::string tags;
  if (server_time)
    tags = "time=" + iso_time(wall_ms);
  if (account_tag && !account.empty())
    tags += (tags.empty() ? "" : ";") + std::string{"account="} + escape_tag_value(account);
  return tags.empty() ? tags : "@" + tags + " ";
}

namespace {
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts)
    s.append(p.data(), p.size());
  s += "\r\n";
  return s;
}

// `head`, then " :" and `trailing` cut so that the line keeps to 512 bytes (fit_text).
std::string cat_fitted(std::initializer_list<std::string_view> head, std::string_view trailing) {
  std::size_t fixed = 2; // " :"
  for (auto p : head)
    fixed += p.size();
  std::string s;
  for (auto p : head)
    s.append(p.data(), p.size());
  s += " :";
  auto text = fit_text(fixed, trailing);
  s.append(text.data(), text.size());
  s += "\r\n";
  return s;
}
} // namespace

std::string channel_of(std::string_view room) { return "#" + std::string{room}; }

std::string mask_of(std::string_view nick, std::string_view host) {
  return std::string{nick} + "!" + std::string{nick} + "@" + std::string{host};
}

std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return text;
  auto keep = max_bytes;
  // Do not split a UTF-8 character: back off over at most three continuation bytes (text in
  // a legacy 8-bit encoding loses at most three more bytes).
  auto continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  for (int k = 0; k < 3 && keep > 0 && continuation(keep); ++k)
    --keep;
  return text.substr(0, keep);
}

std::string_view fit_text(std::size_t fixed_bytes, std::string_view text) {
  constexpr auto max_body = max_irc_line_bytes - 2; // without CRLF
  return cut_utf8(text, fixed_bytes >= max_body ? 0 : max_body - fixed_bytes);
}

namespace {

// ":" mask " PRIVMSG " target " :" text, the text cut to fit (fit_text). A CTCP message
// (\x01...\x01, such as a private ACTION) keeps its closing \x01 when cut.
std::string relayed(std::string_view mask, std::string_view command, std::string_view target,
                    std::string_view text) {
  auto fixed = 1 + mask.size() + 1 + command.size() + 1 + target.size() + 2;
  bool ctcp = text.size() >= 2 && text.front() == '\x01' && text.back() == '\x01';
  if (ctcp) {
    auto inner = fit_text(fixed + 2, text.substr(1, text.size() - 2));
    return cat({":", mask, " ", command, " ", target, " :\x01", inner, "\x01"});
  }
  return cat_fitted({":", mask, " ", command, " ", target}, text);
}

} // namespace

std::string privmsg(std::string_view mask, std::string_view target, std::string_view text) {
  return relayed(mask, "PRIVMSG", target, text);
}

std::string notice(std::string_view mask, std::string_view target, std::string_view text) {
  return relayed(mask, "NOTICE", target, text);
}

std::string action(std::string_view mask, std::string_view target, std::string_view text) {
  return relayed(mask, "PRIVMSG", target, "\x01" "ACTION " + std::string{text} + "\x01");
}

std::string join(std::string_view mask, std::string_view room) {
  return cat({":", mask, " JOIN ", channel_of(room)});
}

std::string part(std::string_view mask, std::string_view room, std::string_view reason) {
  if (reason.empty())
    return cat({":", mask, " PART ", channel_of(room)});
  return cat_fitted({":", mask, " PART ", channel_of(room)}, reason);
}

std::string quit(std::string_view mask, std::string_view reason) {
  return cat_fitted({":", mask, " QUIT"}, reason.empty() ? std::string_view{"Quit"} : reason);
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
  return cat_fitted({":", mask, " TOPIC ", channel}, text);
}

std::string kick(std::string_view mask, std::string_view channel, std::string_view target,
                 std::string_view reason) {
  return cat_fitted({":", mask, " KICK ", channel, " ", target}, reason);
}

std::string nick(std::string_view mask, std::string_view new_nick) {
  return cat({":", mask, " NICK ", new_nick});
}

std::string away(std::string_view mask, std::string_view text) {
  if (text.empty())
    return cat({":", mask, " AWAY"});
  return cat_fitted({":", mask, " AWAY"}, text);
}

std::string invite(std::string_view mask, std::string_view target, std::string_view channel) {
  return cat({":", mask, " INVITE ", target, " ", channel});
}

namespace {

std::string mode_line(const room_event& ev) {
  auto spelled = spell_modes(*ev.changes);
  return mode(ev.mask, channel_of(ev.room), spelled.letters, spelled.args);
}

} // namespace

std::string render_irc(const room_event& ev) {
  switch (ev.kind) {
    case event_kind::joined: return join(ev.mask, ev.room);
    case event_kind::parted: return part(ev.mask, ev.room, ev.text);
    case event_kind::quit: return quit(ev.mask, ev.text);
    case event_kind::said: return privmsg(ev.mask, channel_of(ev.room), ev.text);
    case event_kind::acted: return action(ev.mask, channel_of(ev.room), ev.text);
    case event_kind::noticed: return notice(ev.mask, channel_of(ev.room), ev.text);
    case event_kind::topic_set: return topic(ev.mask, channel_of(ev.room), ev.text);
    case event_kind::modes_set: return mode_line(ev);
    case event_kind::kicked: return kick(ev.mask, channel_of(ev.room), ev.target, ev.text);
    case event_kind::renamed: return nick(ev.mask, ev.target);
    case event_kind::away: return away(ev.mask, ev.text);
    case event_kind::private_said: return privmsg(ev.mask, ev.target, ev.text);
    case event_kind::private_noticed: return notice(ev.mask, ev.target, ev.text);
  }
  return {};
}

} // namespace parley::protocol::irc
