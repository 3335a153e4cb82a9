// The invariant oracle (see oracle.hpp). Every session's transcript is read once into a
// protocol-neutral digest (room lines, its own membership changes, probe answers, the commands
// that may take it out of a room); the checks work on digests, so line-protocol and IRC
// sessions are checked by the same rules, and against each other.
#include "sim/oracle.hpp"

#include "protocol/base64.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "sim/random_irc_client.hpp"

namespace parley::sim {

namespace {

struct room_line {
  std::string room;   ///< empty with any_room
  std::string sender; ///< for notices: the user the notice is about
  std::string tag;    ///< a random client's unique first word, if any
  bool notice = false;
  bool any_room = false; ///< an IRC QUIT: it names no channel, it comes from one the user shares
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string tag_of(const std::string& body) {
  auto first = body.substr(0, body.find(' '));
  if (first.size() > 1 && first[0] == 'm' && first.find('.') != std::string::npos)
    return first;
  return {};
}

std::optional<room_line> parse_room_line(const std::string& line) {
  if (line.size() < 4 || line[0] != '[' || starts_with(line, "[private"))
    return std::nullopt;
  auto close = line.find("] ");
  if (close == std::string::npos)
    return std::nullopt;
  room_line r;
  r.room = line.substr(1, close - 1);
  auto rest = line.substr(close + 2);
  std::string body;
  if (starts_with(rest, "*** ")) {
    r.notice = true;
    auto who = rest.substr(4);
    r.sender = who.substr(0, who.find(' '));
    return r;
  }
  if (starts_with(rest, "* ")) {
    auto after = rest.substr(2);
    auto sp = after.find(' ');
    r.sender = after.substr(0, sp);
    body = sp == std::string::npos ? "" : after.substr(sp + 1);
  } else {
    auto colon = rest.find(": ");
    if (colon == std::string::npos)
      return std::nullopt;
    r.sender = rest.substr(0, colon);
    body = rest.substr(colon + 2);
  }
  r.tag = tag_of(body);
  return r;
}

std::string when(vtime t) { return "at " + format_vtime(t); }

std::string room_of_channel(const std::string& channel) {
  return channel.size() > 1 && channel[0] == '#' ? channel.substr(1) : channel;
}

bool is_membership_line(const std::string& l) {
  return starts_with(l, "*** You are in ") || starts_with(l, "*** You left ") ||
         (starts_with(l, "ERROR room ") && l.find(" failed;") != std::string::npos);
}

// --- Digests ---

struct probe_reply {
  vtime t;
  std::size_t index; ///< position among the session's received lines
  std::string room;  ///< /who: the room it answered for; PING: empty
  std::vector<std::string> members; ///< /who only
};

/// The session's own membership after a change, and when it arrived.
struct membership_change {
  vtime t;
  std::size_t index; ///< position among the session's received lines
  std::set<std::string> rooms; ///< a line-protocol session is in at most one
};

/// An IRC session's nick from a point of its transcript on.
struct name_change {
  vtime t;
  std::size_t index; ///< position among the session's received lines
  std::string nick;
};

// One pass over a session's transcript, indexed for the checks.
struct digest {
  std::vector<std::optional<room_line>> lines;   ///< per received line: a room line, if it is one
  std::vector<membership_change> membership;
  std::vector<std::optional<probe_reply>> answers; ///< per probe (s.probes), if it was answered
  std::vector<vtime> probe_sent;                   ///< send time of each probe
  /// Commands that may take the session out of a room: (send time, room; "*" = every room).
  std::vector<std::pair<vtime, std::string>> leave_commands;
  /// tag -> (room, position among the received lines). Tags are unique per run; only looked
  /// up, never iterated. Positions, not times: lines of one read share their arrival time.
  std::unordered_map<std::string, std::pair<std::string, std::size_t>> got;
  std::string nick;                        ///< IRC: the nick of the 001 welcome
  std::optional<std::size_t> welcome;      ///< IRC: position of 001
  /// IRC: the session's nick from each point on (the 001 welcome, then each of its own NICK
  /// echoes), in transcript order. Empty for the line protocol (its name is session::name).
  std::vector<name_change> names;
  /// Positions of the membership changes that were kicks of the session itself.
  std::set<std::size_t> kicked;
  /// (position, room): answers that say a post may not have reached the room's members: IRC
  /// 404, line "ERROR you cannot post in R" (a moderated room, a ban), and what takes the
  /// session out behind its back (a kick; "*" = whatever room).
  std::vector<std::pair<std::size_t, std::string>> refusals;
};

using digests = std::map<session*, digest>;

probe_reply parse_who_reply(vtime t, std::size_t index, const std::string& line) {
  probe_reply r{t, index, {}, {}};
  auto rest = line.substr(15);
  r.room = rest.substr(0, rest.find(' '));
  auto colon = rest.find("): ");
  std::string names = colon == std::string::npos ? "" : rest.substr(colon + 3);
  std::size_t pos = 0;
  while (pos < names.size()) {
    auto sp = names.find(' ', pos);
    r.members.push_back(names.substr(pos, sp - pos));
    pos = sp == std::string::npos ? names.size() : sp + 1;
  }
  return r;
}

// The k-th /who's reply is the first "*** Members of" that arrives after it was sent and no later
// than the next /who: the client sends one only once the previous one was answered. (A /who that
// raced a kick gets "ERROR you are not in a room" instead, and no reply of its own.)
std::vector<std::optional<probe_reply>> pair_who_replies(session& s,
                                                        const std::vector<probe_reply>& replies) {
  std::vector<std::optional<probe_reply>> answers;
  const auto& sent = s.endpoint->sent();
  std::size_t j = 0;
  for (std::size_t k = 0; k < s.probes.size(); ++k) {
    auto from = sent[s.probes[k].sent_index].t;
    while (j < replies.size() && replies[j].t <= from)
      ++j;
    bool in_window = j < replies.size() &&
                     (k + 1 == s.probes.size() || replies[j].t <= sent[s.probes[k + 1].sent_index].t);
    answers.push_back(in_window ? std::optional<probe_reply>{replies[j++]} : std::nullopt);
  }
  return answers;
}

// Line protocol: what a kick or a refused post looks like ("*** You are in no room now." after
// an IRC operator's KICK; "ERROR you cannot post in R now ..."; "ERROR you are not in a room").
// True for a kick, which is also a membership change (to no room).
bool note_line_refusal(vtime t, std::size_t k, const std::string& line, digest& d) {
  if (starts_with(line, "*** You are in no room now")) {
    d.kicked.insert(k);
    d.refusals.emplace_back(k, "*");
    d.membership.push_back({t, k, {}});
    return true;
  }
  if (starts_with(line, "ERROR you cannot post in ")) {
    auto room = line.substr(25);
    d.refusals.emplace_back(k, room.substr(0, room.find(' ')));
  } else if (starts_with(line, "ERROR you are not in a room")) {
    d.refusals.emplace_back(k, "*");
  }
  return false;
}

void digest_line_session(session& s, digest& d) {
  const auto& received = s.endpoint->received();
  std::vector<probe_reply> replies;
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    d.lines.push_back(parse_room_line(line));
    if (note_line_refusal(t, k, line, d)) {
      // a kick: in no room now
    } else if (starts_with(line, "*** Members of ")) {
      replies.push_back(parse_who_reply(t, k, line));
    } else if (is_membership_line(line)) {
      membership_change c{t, k, {}};
      if (starts_with(line, "*** You are in ")) {
        auto rest = line.substr(15);
        c.rooms.insert(rest.substr(0, rest.find(' ')));
      }
      d.membership.push_back(std::move(c));
    }
  }
  d.answers = pair_who_replies(s, replies);
  for (const auto& x : s.endpoint->sent())
    if (starts_with(x.text, "/join") || starts_with(x.text, "/part") || starts_with(x.text, "/quit"))
      d.leave_commands.emplace_back(x.t, "*");
}

// IRC: room lines are ":nick!user@host PRIVMSG|NOTICE #room :text" (a CTCP ACTION inside),
// and notices: other users' JOIN and PART of a channel, their KICKs, MODE and TOPIC changes
// there, and QUIT and NICK (which name no channel: they come from one the user shares). The
// session's own JOIN and PART echoes (the prefix is its nick at the time) and a KICK of itself
// are its membership changes; its own NICK echo renames it from that line on. PONG answers its
// PINGs by token; 404 says a post to a channel was refused. INVITE and AWAY are no room's.
struct irc_reader {
  digest& d;
  std::set<std::string> rooms;
  std::string nick; ///< the session's nick at this point of the transcript

  void own_membership(vtime t, std::size_t k, const std::string& c, const std::string& room) {
    if (c == "JOIN")
      rooms.insert(room);
    else
      rooms.erase(room);
    d.membership.push_back({t, k, rooms});
  }

  void notice(const std::string& room, const std::string& sender, bool any_room = false) {
    room_line r;
    r.room = room;
    r.sender = sender;
    r.notice = true;
    r.any_room = any_room;
    d.lines.back() = r;
  }

  void chat(const irc_line& m, const std::string& sender) {
    room_line r;
    r.room = room_of_channel(m.param(0));
    r.sender = sender;
    auto text = m.param(1);
    if (starts_with(text, "\x01" "ACTION ")) {
      text = text.substr(8);
      if (!text.empty() && text.back() == '\x01')
        text.pop_back();
    }
    r.tag = tag_of(text);
    d.lines.back() = r;
  }

  void read(vtime t, std::size_t k, const irc_line& m) {
    const auto& c = m.command;
    auto sender = m.nick();
    auto room = room_of_channel(m.param(0));
    bool channel = starts_with(m.param(0), "#");
    if (c == "001" && !d.welcome) {
      d.welcome = k;
      d.nick = nick = m.param(0);
      d.names.push_back({t, k, nick});
    } else if (c == "404" && sender.empty() && !nick.empty()) {
      d.refusals.emplace_back(k, room_of_channel(m.param(1)));
    } else if (sender.empty() || nick.empty()) {
      return; // a server line, or anything before registration
    } else if (c == "NICK" && sender == nick) {
      nick = m.param(0);
      d.names.push_back({t, k, nick});
    } else if (c == "KICK" && m.param(1) == nick) {
      own_membership(t, k, "PART", room);
      d.kicked.insert(k);
      d.refusals.emplace_back(k, room);
    } else if ((c == "JOIN" || c == "PART") && sender == nick) {
      own_membership(t, k, c, room);
    } else if (c == "JOIN" || c == "PART") {
      notice(room, sender);
    } else if ((c == "KICK" || c == "MODE" || c == "TOPIC") && channel && sender != nick) {
      notice(room, sender); // its own changes it may see from outside (a server operator)
    } else if (c == "QUIT" || (c == "NICK" && sender != nick)) {
      notice({}, sender, true);
    } else if ((c == "PRIVMSG" || c == "NOTICE") && channel &&
               (sender != nick || rooms.count(room))) {
      // (Its own echo-message copy of a line to a channel it is not in, e.g. just kicked from,
      // comes from its connection, not the room: no room line.)
      chat(m, sender);
    }
  }
};

void digest_irc_session(session& s, digest& d) {
  const auto& received = s.endpoint->received();
  irc_reader reader{d, {}, {}};
  std::unordered_map<std::string, probe_reply> pongs;
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    d.lines.emplace_back();
    if (line.empty() || line[0] != ':')
      continue;
    auto m = split_irc_line(line);
    if (m.command == "PONG" && m.nick().empty() && m.params.size() > 1)
      pongs.emplace(m.params.back(), probe_reply{t, k, {}, {}});
    else
      reader.read(t, k, m);
  }
  for (const auto& p : s.probes) {
    auto i = pongs.find(p.tag);
    d.answers.push_back(i == pongs.end() ? std::nullopt : std::optional<probe_reply>{i->second});
  }
  for (const auto& x : s.endpoint->sent()) {
    auto m = split_irc_line(x.text);
    auto cmd = lower(m.command);
    if (cmd == "quit" || (cmd == "join" && m.param(0) == "0")) {
      d.leave_commands.emplace_back(x.t, "*");
    } else if (cmd == "part") {
      auto targets = m.param(0);
      std::size_t pos = 0;
      while (pos <= targets.size()) {
        auto comma = targets.find(',', pos);
        if (comma == std::string::npos)
          comma = targets.size();
        d.leave_commands.emplace_back(x.t, lower(room_of_channel(targets.substr(pos, comma - pos))));
        pos = comma + 1;
      }
    }
  }
}

digest make_digest(session& s) {
  digest d;
  d.lines.reserve(s.endpoint->received().size());
  if (s.irc)
    digest_irc_session(s, d);
  else
    digest_line_session(s, d);
  const auto& sent = s.endpoint->sent();
  for (const auto& p : s.probes)
    d.probe_sent.push_back(sent[p.sent_index].t);
  for (std::size_t k = 0; k < d.lines.size(); ++k)
    if (const auto& r = d.lines[k]; r && !r->tag.empty())
      d.got.emplace(r->tag, std::make_pair(r->room, k));
  return d;
}

std::string who(session& s) { return s.endpoint->label() + " (" + s.name + ")"; }

// The session's name for what it sent at `t`: an IRC session's nick from its last NICK echo
// (or 001) received by then. Nothing is sent between a NICK and its echo (the client waits for
// the NICK's sentinel), so this is the name the server had for it when it handled the line.
const std::string& name_at(const session& s, const digest& d, vtime t) {
  if (!s.irc || d.names.empty())
    return s.name;
  auto i = std::upper_bound(d.names.begin(), d.names.end(), t,
                            [](vtime x, const name_change& n) { return x < n.t; });
  return i == d.names.begin() ? d.names.front().nick : std::prev(i)->nick;
}

// --- sender attribution: every copy of a line names its sender as it was called then ---
void check_sender_attribution(const std::vector<session*>& sessions, const digests& ds,
                              std::vector<std::string>& out) {
  std::unordered_map<std::string, std::string> sender_of; // tag -> name at send; looked up only
  for (auto* s : sessions)
    for (const auto& chat : s->chats)
      sender_of.emplace(chat.tag, name_at(*s, ds.at(s), s->endpoint->sent()[chat.sent_index].t));
  for (auto* q : sessions) {
    const auto& lines = ds.at(q).lines;
    const auto& received = q->endpoint->received();
    for (std::size_t k = 0; k < lines.size(); ++k) {
      const auto& r = lines[k];
      if (!r || r->tag.empty())
        continue;
      auto i = sender_of.find(r->tag);
      if (i != sender_of.end() && i->second != r->sender)
        out.push_back(who(*q) + " received " + r->tag + " from " + r->sender + ", but its sender was " +
                      i->second + " when it sent it " + when(received[k].t) + ": " +
                      received[k].text);
    }
  }
}

// --- no strays: room lines only while a member, never twice ---
void check_strays(session& s, const digest& d, std::vector<std::string>& out) {
  std::set<std::string> rooms;
  std::set<std::string> seen;
  const auto& received = s.endpoint->received();
  auto change = d.membership.begin();
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto& [t, line] = received[i];
    if (change != d.membership.end() && change->index == i)
      rooms = (change++)->rooms;
    const auto& r = d.lines[i];
    if (!r)
      continue;
    if (r->any_room ? rooms.empty() : !rooms.count(r->room))
      out.push_back(who(s) + " received a line of " +
                    (r->any_room ? std::string{"a room"} : "room " + r->room) +
                    " while not a member " + when(t) + ": " + line);
    if (!r->tag.empty() && !seen.insert(r->room + " " + r->tag).second)
      out.push_back(s.endpoint->label() + " received " + r->tag + " twice " + when(t));
  }
}

// --- room order: the union of every member's order has no cycle ---

// Kahn's algorithm over one room's precedence graph; true if every tag could be ordered.
bool acyclic(const std::vector<std::set<int>>& next) {
  std::vector<int> indegree(next.size(), 0);
  for (const auto& bs : next)
    for (int b : bs)
      ++indegree[static_cast<std::size_t>(b)];
  std::vector<int> ready;
  for (std::size_t n = 0; n < next.size(); ++n)
    if (indegree[n] == 0)
      ready.push_back(static_cast<int>(n));
  std::size_t done = 0;
  while (!ready.empty()) {
    auto n = static_cast<std::size_t>(ready.back());
    ready.pop_back();
    ++done;
    for (int b : next[n])
      if (--indegree[static_cast<std::size_t>(b)] == 0)
        ready.push_back(b);
  }
  return done == next.size();
}

void check_room_order(const std::vector<session*>& sessions, const digests& ds,
                      std::vector<std::string>& out) {
  struct room_graph {
    std::map<std::string, int> ids;
    std::vector<std::set<int>> next;
    int id(const std::string& tag) {
      auto [i, added] = ids.emplace(tag, static_cast<int>(next.size()));
      if (added)
        next.emplace_back();
      return i->second;
    }
  };
  std::map<std::string, room_graph> graphs;
  for (auto* s : sessions) {
    std::map<std::string, int> last; // room -> previous tag id
    for (const auto& r : ds.at(s).lines) {
      if (!r || r->tag.empty())
        continue;
      auto& g = graphs[r->room];
      int cur = g.id(r->tag);
      auto [prev, first] = last.emplace(r->room, cur);
      if (!first) {
        g.next[static_cast<std::size_t>(prev->second)].insert(cur);
        prev->second = cur;
      }
    }
  }
  for (const auto& [room, g] : graphs)
    if (!acyclic(g.next))
      out.push_back("room " + room + ": members received its lines in different orders");
}

// --- logins: a name speaks or joins only after it logged in ---

// The time of the session's last sent line at or before `t` (0 if none).
vtime last_sent_by(session& s, vtime t) {
  vtime last{0};
  for (const auto& x : s.endpoint->sent())
    if (x.t <= t)
      last = x.t;
  return last;
}

// Notes the send time of each NICK the session sent after its welcome: the rename may have
// taken effect without the renamer ever seeing its echo (a reset, a stall), and others see the
// new nick in rooms. (That a rename to an account's nick needs that account is checked by the
// IRC authentication rule, on the renames the session saw.)
template <class Note>
void note_renames(session& s, const digest& d, Note&& note) {
  if (!d.welcome)
    return;
  auto welcomed = s.endpoint->received()[*d.welcome].t;
  for (const auto& x : s.endpoint->sent())
    if (x.t >= welcomed && lower(x.text.substr(0, 5)) == "nick ")
      note(lower(split_irc_line(x.text).param(0)), x.t);
}

void check_logins(const std::vector<session*>& sessions, const digests& ds,
                  std::vector<std::string>& out) {
  // The earliest moment each name could have logged in: a session sent the name and then its
  // right password. (Whether the client saw "Logged in" does not matter: it may have been cut
  // off or stalled.) A wrong password must never get a name into a room.
  // A session that saw "Logged in as NAME." logged in no later than its last line before that;
  // an IRC session that saw the 001 welcome registered its nick no later than its last line
  // before that.
  std::map<std::string, vtime> first_login;
  auto note = [&](const std::string& name, vtime t) {
    auto i = first_login.find(name);
    if (i == first_login.end() || t < i->second)
      first_login[name] = t;
  };
  for (auto* s : sessions) {
    const auto& received = s->endpoint->received();
    if (s->irc) {
      // The 001 nick, and each nick it renamed itself to, from the line that brought it.
      for (const auto& n : ds.at(s).names)
        note(n.nick, last_sent_by(*s, received[n.index].t));
      note_renames(*s, ds.at(s), note);
      continue;
    }
    std::string name;
    for (const auto& x : s->endpoint->sent()) {
      if (x.text == random_client::password_for(name))
        note(name, x.t);
      name = x.text;
    }
    for (const auto& [t, line] : received)
      if (starts_with(line, "*** Logged in as "))
        note(line.substr(17, line.size() - 18), last_sent_by(*s, t));
  }
  for (auto* s : sessions) {
    const auto& received = s->endpoint->received();
    const auto& lines = ds.at(s).lines;
    for (std::size_t k = 0; k < received.size(); ++k) {
      const auto& [t, line] = received[k];
      const auto& r = lines[k];
      if (!r || r->sender.empty())
        continue;
      auto i = first_login.find(r->sender);
      if (i == first_login.end() || t < i->second)
        out.push_back(s->endpoint->label() + " saw " + r->sender + " in " +
                      (r->any_room ? std::string{"a room"} : "room " + r->room) +
                      " before that name logged in " + when(t) + ": " + line);
    }
  }
}

// --- IRC authentication: reserved nicks, PASS and SASL ---

using protocol::base64_decode;

// The name rule (protocol/names.cpp), for telling which NICKs the server took.
bool valid_name(const std::string& n) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (n.empty() || n.size() > 32 || !letter(n[0]))
    return false;
  return std::all_of(n.begin(), n.end(), [&](char c) {
    return letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// A registered client may rename itself to an account's nick only if it authenticated as that
// account (SASL, or PASS at registration for the nick it registered): each of its own renames
// to a nick whose account was known to exist before the NICK was sent must be to that account.
void check_renames_to_accounts(session& s, const digest& d, const std::string& authenticated,
                               const std::map<std::string, vtime>& account_known,
                               std::vector<std::string>& out) {
  const auto& sent = s.endpoint->sent();
  for (std::size_t n = 1; n < d.names.size(); ++n) {
    const auto& nick = d.names[n].nick;
    auto i = account_known.find(nick);
    if (nick == authenticated || i == account_known.end())
      continue;
    vtime asked{0}; // the last NICK for it sent before its echo arrived
    for (const auto& x : sent)
      if (x.t <= d.names[n].t && lower(x.text) == "nick " + nick)
        asked = x.t;
    if (i->second < asked)
      out.push_back(who(s) + " renamed itself to the reserved nick " + nick +
                    " without authenticating as it " + when(d.names[n].t) +
                    " (the account existed by " + format_vtime(i->second) + ")");
  }
}

void check_irc_auth(const oracle_input& in, const digests& ds, std::vector<std::string>& out) {
  auto password_of = [&](const std::string& account) {
    auto i = in.accounts.find(account);
    return i != in.accounts.end() ? i->second : random_client::password_for(account);
  };
  // When each account is known to exist at the latest: the clients were told so.
  std::map<std::string, vtime> account_known;
  auto known = [&](const std::string& name, vtime t) {
    auto i = account_known.find(name);
    if (i == account_known.end() || t < i->second)
      account_known[name] = t;
  };
  for (const auto& [name, pw] : in.accounts)
    known(name, vtime{0});
  for (auto* s : in.sessions)
    for (const auto& [t, line] : s->endpoint->received()) {
      if (!s->irc && starts_with(line, "*** Account ") && line.size() > 24 &&
          line.compare(line.size() - 12, 12, " registered.") == 0)
        known(line.substr(12, line.size() - 24), t);
      else if (!s->irc && starts_with(line, "*** Password for ") && line.size() > 18)
        known(line.substr(17, line.size() - 18), t);
      else if (s->irc && line.find(" 900 ") != std::string::npos) {
        auto m = split_irc_line(line);
        if (m.command == "900")
          known(m.param(2), t);
      }
    }
  for (auto* s : in.sessions) {
    if (!s->irc)
      continue;
    const auto& d = ds.at(s);
    const auto& received = s->endpoint->received();
    const auto& sent = s->endpoint->sent();
    // Every 900 (logged in as ACCOUNT) answers a payload with that account's right password.
    std::string sasl_account;
    for (std::size_t k = 0; k < received.size(); ++k) {
      if (received[k].text.find(" 900 ") == std::string::npos)
        continue;
      auto m = split_irc_line(received[k].text);
      if (m.command != "900")
        continue;
      auto account = m.param(2);
      if (!d.welcome || k < *d.welcome)
        sasl_account = account;
      std::optional<std::string> payload;
      for (const auto& x : sent) {
        if (x.t > received[k].t)
          break;
        auto c = split_irc_line(x.text);
        if (lower(c.command) == "authenticate" && c.param(0) != "PLAIN" && c.param(0) != "*" &&
            c.param(0) != "+")
          payload = base64_decode(c.param(0));
      }
      auto first = payload ? payload->find('\0') : std::string::npos;
      auto second = first == std::string::npos ? first : payload->find('\0', first + 1);
      if (second == std::string::npos ||
          lower(payload->substr(first + 1, second - first - 1)) != account ||
          payload->substr(second + 1) != password_of(account))
        out.push_back(who(*s) + " was logged in as " + account +
                      " by SASL without that account's password " + when(received[k].t));
    }
    if (!d.welcome)
      continue;
    auto t_welcome = received[*d.welcome].t;
    // The credentials in force at registration: the last PASS and the last NICK before 001.
    // The NICK that set the nick is the first NICK of it since the last valid other one: the
    // server checked the nick's account after that line.
    std::optional<std::string> pass;
    vtime nick_sent{0};
    bool nick_set = false;
    for (const auto& x : sent) {
      if (x.t > t_welcome)
        break;
      auto c = split_irc_line(x.text);
      auto cmd = lower(c.command);
      auto nick = lower(c.param(0));
      if (cmd == "pass")
        pass = c.param(0);
      else if (cmd == "nick" && nick == d.nick && !nick_set)
        nick_sent = x.t, nick_set = true;
      else if (cmd == "nick" && nick != d.nick && valid_name(nick))
        nick_set = false;
    }
    auto authenticated = !sasl_account.empty() ? sasl_account : pass && !pass->empty() ? d.nick : "";
    check_renames_to_accounts(*s, d, authenticated, account_known, out);
    if (sasl_account == d.nick)
      continue; // the nick's own account, authenticated
    if (pass && !pass->empty()) { // an empty PASS takes the password back
      auto pw = pass->substr(pass->find(':') == std::string::npos ? 0 : pass->find(':') + 1);
      if (pw != password_of(d.nick))
        out.push_back(who(*s) + " registered with a wrong PASS for " + d.nick + " " +
                      when(t_welcome));
      continue;
    }
    auto i = account_known.find(d.nick);
    if (i != account_known.end() && nick_set && i->second < nick_sent)
      out.push_back(who(*s) + " registered the reserved nick " + d.nick +
                    " without authenticating " + when(t_welcome) + " (the account existed by " +
                    format_vtime(i->second) + ")");
  }
}

// --- no loss and sync order, from probes ---

bool ended(session& s) {
  return !s.endpoint->connected() || s.reset;
}

// Whether the session was in `room` throughout [from, to]: its membership changes up to `from`
// put it there, none until `to` took it out, and it sent no command that could take it out
// (/join, /part, /quit; IRC: PART of that channel, JOIN 0, QUIT) from the change that put it
// there up to `to`.
bool member_throughout(const digest& q, const std::string& room, vtime from, vtime to) {
  auto after_from = std::upper_bound(q.membership.begin(), q.membership.end(), from,
                                     [](vtime t, const membership_change& m) { return t < m.t; });
  if (after_from == q.membership.begin())
    return false;
  auto last = std::prev(after_from);
  if (!last->rooms.count(room))
    return false;
  for (auto i = after_from; i != q.membership.end() && i->t <= to; ++i)
    if (!i->rooms.count(room))
      return false;
  auto entered = last;
  while (entered != q.membership.begin() && std::prev(entered)->rooms.count(room))
    --entered;
  // Sent lines are in time order: look only at the commands from `entered` to `to`.
  auto cmd = std::lower_bound(q.leave_commands.begin(), q.leave_commands.end(), entered->t,
                              [](const auto& c, vtime t) { return c.first < t; });
  for (; cmd != q.leave_commands.end() && cmd->first <= to; ++cmd)
    if (cmd->second == "*" || cmd->second == room)
      return false;
  return true;
}

// The answer to the session's first probe sent after `t`, if it has one.
const probe_reply* first_probe_reply_after(const digest& q, vtime t) {
  auto i = std::upper_bound(q.probe_sent.begin(), q.probe_sent.end(), t);
  auto k = static_cast<std::size_t>(i - q.probe_sent.begin());
  return k < q.answers.size() && q.answers[k] ? &*q.answers[k] : nullptr;
}

// Whether the session's first way out of `room` after `t` was a kick of it. A member kicked
// after a line was sent may have been kicked before the room handled the line (its KICK can
// come late, on its own connection): then the line is not owed to it.
bool kicked_out_after(const digest& q, const std::string& room, vtime t) {
  auto i = std::upper_bound(q.membership.begin(), q.membership.end(), t,
                            [](vtime x, const membership_change& m) { return x < m.t; });
  for (; i != q.membership.end(); ++i)
    if (!i->rooms.count(room))
      return q.kicked.count(i->index) != 0;
  return false;
}

// Whether the room may have refused the sender's line: between the send and the reply that
// synchronises on it, the sender got a refusal for that room (IRC 404, line "you cannot post"
// or "not in a room") or was kicked from it (then the room may have handled the line after
// the kick, from an outsider). A NOTICE is refused silently: it counts as posted only if some
// session received it. A line that may have been refused is owed to no one.
bool maybe_refused(session& s, const digest& d, const sent_record& chat, const probe_reply& sync,
                   const std::unordered_set<std::string>& delivered) {
  const auto& sent = s.endpoint->sent()[chat.sent_index];
  if (s.irc && starts_with(sent.text, "NOTICE ") && !delivered.count(chat.tag))
    return true;
  const auto& received = s.endpoint->received();
  for (const auto& [k, room] : d.refusals)
    if (k <= sync.index && received[k].t >= sent.t && (room == "*" || room == chat.room))
      return true;
  return false;
}

void check_line_reached(session& s, const sent_record& chat, const probe_reply& sync,
                        session& q, const digest& dq, std::vector<std::string>& out) {
  auto t_send = s.endpoint->sent()[chat.sent_index].t;
  if (!q.logged_in || !member_throughout(dq, chat.room, t_send, sync.t))
    return;
  auto i = dq.got.find(chat.tag);
  std::optional<std::size_t> got; // position of the line among q's received lines
  if (i != dq.got.end() && i->second.first == chat.room)
    got = i->second.second;
  if (!got && kicked_out_after(dq, chat.room, t_send))
    return;
  if (!got && !ended(q))
    out.push_back(who(q) + " never received " + chat.tag + " sent to " + chat.room + " by " +
                  s.name + " " + when(t_send));
  auto next_reply = first_probe_reply_after(dq, sync.t);
  if (next_reply && (!got || *got > next_reply->index))
    out.push_back("ordering guarantee broken: " + who(q) + " got the reply to a " +
                  (q.irc ? "PING" : "/who") + " sent after " + s.name +
                  " had synchronised on " + chat.tag + " before receiving it " +
                  when(next_reply->t));
}

void check_delivery(const std::vector<session*>& sessions, const digests& ds,
                    std::vector<std::string>& out) {
  std::map<std::string, std::vector<session*>> by_name; // every name a session ever had
  std::vector<session*> logged_in;
  std::unordered_set<std::string> delivered; // tags some session received; looked up only
  for (auto* s : sessions) {
    for (const auto& [tag, where] : ds.at(s).got)
      delivered.insert(tag);
    if (!s->logged_in)
      continue;
    std::set<std::string> names{s->name};
    for (const auto& n : ds.at(s).names)
      names.insert(n.nick);
    for (const auto& n : names)
      by_name[n].push_back(s);
    logged_in.push_back(s);
  }
  for (auto* s : sessions) {
    const auto& mine = ds.at(s);
    for (const auto& chat : s->chats) {
      // The sender's first probe after the line.
      auto k = static_cast<std::size_t>(
        std::upper_bound(s->probes.begin(), s->probes.end(), chat.sent_index,
                         [](std::size_t i, const sent_record& p) { return i < p.sent_index; }) -
        s->probes.begin());
      if (k >= s->probes.size() || !mine.answers[k])
        continue;
      const auto& sync = *mine.answers[k];
      if (maybe_refused(*s, mine, chat, sync, delivered))
        continue;
      if (!s->irc) {
        // A /who in the same room, with no membership change in between, names the members.
        if (s->probes[k].room_epoch != chat.room_epoch)
          continue;
        if (sync.room != chat.room) {
          out.push_back(s->endpoint->label() + ": /who answered for room " + sync.room +
                        " while in " + chat.room + " " + when(sync.t));
          continue;
        }
        for (const auto& name : sync.members) {
          if (name == s->name)
            continue;
          for (auto* q : by_name[name])
            if (q != s)
              check_line_reached(*s, chat, sync, *q, ds.at(q), out);
        }
        continue;
      }
      // A PONG names no one: every session whose own transcript has it in the channel from
      // the send to the PONG is a member the line is owed to.
      auto t_send = s->endpoint->sent()[chat.sent_index].t;
      const auto& sender = name_at(*s, mine, t_send);
      for (auto* q : logged_in)
        if (q != s && name_at(*q, ds.at(q), t_send) != sender)
          check_line_reached(*s, chat, sync, *q, ds.at(q), out);
    }
  }
}

// --- liveness: each session still connected at the end has every probe answered ---
void check_liveness(const std::vector<session*>& sessions, const digests& ds,
                    std::vector<std::string>& out) {
  for (auto* s : sessions) {
    if (ended(*s) || s->probes.empty())
      continue;
    std::size_t missing = 0;
    if (s->irc) {
      for (const auto& a : ds.at(s).answers)
        missing += a ? 0 : 1;
    } else {
      // A /who that raced a kick is answered "ERROR you are not in a room" (so may a chat
      // line be: this counts generously).
      std::size_t replies = 0;
      for (const auto& [t, line] : s->endpoint->received())
        replies += starts_with(line, "*** Members of ") ||
                   starts_with(line, "ERROR you are not in a room") ? 1 : 0;
      missing = replies < s->probes.size() ? s->probes.size() - replies : 0;
    }
    if (missing > 0)
      out.push_back(who(*s) + ": " + std::to_string(missing) +
                    (s->irc ? " PING(s)" : " /who probe(s)") +
                    " never answered although faults had stopped");
  }
}

} // namespace

std::vector<std::string> check_invariants(const oracle_input& in) {
  std::vector<std::string> out;
  digests ds;
  for (auto* s : in.sessions)
    ds.emplace(s, make_digest(*s));
  for (auto* s : in.sessions)
    check_strays(*s, ds.at(s), out);
  check_room_order(in.sessions, ds, out);
  check_logins(in.sessions, ds, out);
  check_sender_attribution(in.sessions, ds, out);
  check_irc_auth(in, ds, out);
  // Room crashes make rooms forget members by design: delivery and liveness are then not owed.
  bool rooms_crash = in.faults && in.faults->has("crash-room");
  if (!rooms_crash) {
    check_delivery(in.sessions, ds, out);
    check_liveness(in.sessions, ds, out);
  }
  if (in.max_unflushed_seen > in.max_output_bytes + 4096)
    out.push_back("output queue bound exceeded: " + std::to_string(in.max_unflushed_seen) +
                  " bytes unflushed towards one client (bound " +
                  std::to_string(in.max_output_bytes) + ")");
  return out;
}

} // namespace parley::sim
