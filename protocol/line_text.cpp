// Formats of the line protocol's output (see line_text.hpp and docs/protocol-line.md).
#include "protocol/line_text.hpp"

#include "protocol/channel_modes.hpp"

namespace parley::protocol::text {

namespace {
std::string line(std::string s) {
  s += "\r\n";
  return s;
}
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts)
    s.append(p.data(), p.size());
  return line(std::move(s));
}
} // namespace

std::string info(std::string_view msg) { return cat({"*** ", msg}); }
std::string error(std::string_view msg) { return cat({"ERROR ", msg}); }

std::string chat(std::string_view room, std::string_view sender, std::string_view text) {
  return cat({"[", room, "] ", sender, ": ", text});
}

std::string action(std::string_view room, std::string_view sender, std::string_view text) {
  return cat({"[", room, "] * ", sender, " ", text});
}

std::string room_notice(std::string_view room, std::string_view msg) {
  return cat({"[", room, "] *** ", msg});
}

std::string private_from(std::string_view sender, std::string_view text) {
  return cat({"[private] ", sender, ": ", text});
}

std::string private_to(std::string_view target, std::string_view text) {
  return cat({"[private to ", target, "] ", text});
}

namespace {

// "[room] *** " and the parts: the notices of joins, leaves, changes and renames.
std::string notice_of(std::string_view room, std::initializer_list<std::string_view> parts) {
  std::string msg;
  for (auto p : parts)
    msg.append(p.data(), p.size());
  return room_notice(room, msg);
}

// " (reason)", or nothing.
std::string in_parens(std::string_view reason) {
  return reason.empty() ? std::string{} : " (" + std::string{reason} + ")";
}

// Mode changes read as IRC spells them ("+o-v bob carol"): line-protocol users share rooms with
// the IRC users who make them.
std::string modes_shown(const std::vector<mode_change>& changes) {
  auto spelled = irc::spell_modes(changes);
  for (const auto& a : spelled.args)
    spelled.letters += " " + a;
  return spelled.letters;
}

} // namespace

std::string render_line(const room_event& ev) {
  switch (ev.kind) {
    case event_kind::joined: return notice_of(ev.room, {ev.name, " joined"});
    case event_kind::parted: return notice_of(ev.room, {ev.name, " left", in_parens(ev.text)});
    case event_kind::quit: return notice_of(ev.room, {ev.name, " quit", in_parens(ev.text)});
    case event_kind::said:
    case event_kind::noticed: return chat(ev.room, ev.name, ev.text);
    case event_kind::acted: return action(ev.room, ev.name, ev.text);
    case event_kind::topic_set:
      return ev.text.empty() ? notice_of(ev.room, {ev.name, " cleared the topic"})
                             : notice_of(ev.room, {ev.name, " set the topic: ", ev.text});
    case event_kind::modes_set:
      return notice_of(ev.room, {ev.name, " sets mode ", modes_shown(*ev.changes)});
    case event_kind::kicked:
      return notice_of(ev.room, {ev.target, " was kicked by ", ev.name, " (", ev.text, ")"});
    case event_kind::renamed: return notice_of(ev.room, {ev.name, " is now ", ev.target});
    case event_kind::away: return {}; // the line protocol does not show away changes
    case event_kind::private_said:
    case event_kind::private_noticed: return private_from(ev.name, ev.text);
  }
  return {};
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty())
      s += ' ';
    s += n;
  }
  return s;
}

std::string greeting() { return info("Welcome to Parley. Type /help after logging in."); }
std::string name_prompt() { return info("Name?"); }

std::string password_prompt(std::string_view name) {
  return cat({"*** Password for ", name, "?"});
}

std::string new_password_prompt(std::string_view name, std::size_t min_length) {
  return cat({"*** New account ", name, ". Choose a password (at least ",
              std::to_string(min_length), " characters)?"});
}

std::string help() {
  std::string s;
  s += info("Commands:");
  s += info("  /join ROOM      join ROOM (created if needed), leaving your current room");
  s += info("  /part           leave your current room");
  s += info("  /rooms          list rooms with their member counts");
  s += info("  /who            list the members of your current room");
  s += info("  /msg NAME TEXT  send TEXT to NAME only");
  s += info("  /me ACTION      tell your room what you are doing");
  s += info("  /quit [REASON]  leave the server");
  s += info("  /help           this list");
  s += info("Any other line goes to everyone in your current room.");
  return s;
}

} // namespace parley::protocol::text
