// IRC output: numerics, server lines, and event lines with the message tags a client's
// capabilities ask for; time and the ids that show an event once.
#include <chrono>
#include <ctime>

#include "sessions/irc/irc_common.hpp"
#include "protocol/irc_events.hpp"

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

} // namespace

std::tm utc_of(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// The tags this client asked for (server-time, account-tag), as "@a=b;c=d " or "".
std::string tags_for(connection_self self, const std::string& account) {
  const auto& caps = irc_of(self).caps;
  return irc::event_tags(caps.has(irc_cap::server_time), wall_ms(self),
                         caps.has(irc_cap::account_tag), account);
}


void reply(connection_self self, numeric n, std::vector<std::string> middle,
           std::string trailing) {
  reply_to(self, irc_of(self).nick, n, std::move(middle), std::move(trailing));
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
  write(self, tags_for(self, irc_of(self).account) + line);
}

std::string my_mask(connection_self self) {
  return irc::mask_of(irc_of(self).nick, self->state.cfg->host_cloak);
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
  return (self->id() << 24) | (++irc_of(self).once_issued & 0xFFFFFF);
}

} // namespace parley::detail::ircs
