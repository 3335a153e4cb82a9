// The invariant oracle (see oracle.hpp). Every session's transcript is read once into a
// protocol-neutral digest (room lines, its own membership changes, probe answers, the commands
// that may take it out of a room); the checks work on digests, so line-protocol and IRC
// sessions are checked by the same rules, and against each other.
#include "sim/oracle.hpp"

#include "protocol/base64.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "sim/random_irc_client.hpp"

namespace parley::sim {

namespace {

// --- rule counts (oracle_input::rule_checks) ---

class rule_counter {
public:
  explicit rule_counter(std::map<std::string, std::uint64_t>* counts) : counts_(counts) {}
  rule_counter(const rule_counter&) = delete;
  rule_counter& operator=(const rule_counter&) = delete;
  ~rule_counter() {
    for (const auto& [rule, n] : pending_)
      (*counts_)[std::string{rule}] += n;
  }
  // Cheap enough for the inner loops: a short list searched by name, merged into the map once.
  void add(std::string_view rule, std::uint64_t n = 1) {
    if (!counts_ || n == 0)
      return;
    for (auto& [r, c] : pending_)
      if (r == rule) {
        c += n;
        return;
      }
    pending_.emplace_back(rule, n);
  }

private:
  std::map<std::string, std::uint64_t>* counts_;
  std::vector<std::pair<std::string_view, std::uint64_t>> pending_;
};

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

/// What a line session reads when a room removed it without a command of its own (a kick).
constexpr std::string_view removed_line = "*** You are in no room now.";

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
  /// Line sessions: probes that got no answer at all (neither a reply nor an error).
  std::size_t unanswered_probes = 0;
  std::vector<vtime> probe_sent;                   ///< send time of each probe
  /// Commands that may take the session out of a room: (send time, room; "*" = every room).
  std::vector<std::pair<vtime, std::string>> leave_commands;
  /// tag -> (room, position among the received lines). Tags are unique per run; looked up, and
  /// iterated only to gather the tags into a set (check_delivery), so the hash order never
  /// shows. Positions, not times: lines of one read share their arrival time.
  std::unordered_map<std::string, std::pair<std::string, std::size_t>> got;
  std::string nick;                        ///< IRC: the nick of the 001 welcome
  std::optional<std::size_t> welcome;      ///< IRC: position of 001
  /// IRC echo-message: when the session first asked for it (CAP REQ sent) and when the
  /// server ACKed it; chat lines sent after the ACK come back once, before the request never.
  std::optional<vtime> echo_requested;
  std::optional<vtime> echo_acked;
  /// IRC: tags of its own echo-message copies for channels it was not in (written by its
  /// connection, not a room: no room lines, but echoes all the same).
  std::vector<std::string> echoes_outside;
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

// Whether a line answers a /who: its reply, or the error of a /who the server could not
// answer (the session was removed from its room, e.g. kicked, or the room failed).
bool answers_who(const std::string& line) {
  return starts_with(line, "*** Members of ") ||
         starts_with(line, "ERROR you are not in a room") ||
         starts_with(line, "ERROR the server could not complete that");
}

// One /who in flight at a time, and lines are handled in order: a probe's answer is the first
// line that answers a /who, arrived after the probe was sent and after the previous probe's
// answer. (A chat line sent just before a /who by a session that was removed meanwhile gets
// the same error; the /who's own error then arrives before the next probe is sent, so the
// next probe skips it.)
void pair_line_probes(session& s, digest& d) {
  const auto& received = s.endpoint->received();
  const auto& sent = s.endpoint->sent();
  std::size_t next = 0; // the first received line not yet taken as an answer
  for (const auto& p : s.probes) {
    auto t_sent = sent[p.sent_index].t;
    while (next < received.size() &&
           (received[next].t < t_sent || !answers_who(received[next].text)))
      ++next;
    if (next == received.size()) {
      d.answers.emplace_back();
      ++d.unanswered_probes;
      continue;
    }
    const auto& [t, line] = received[next];
    d.answers.push_back(starts_with(line, "*** Members of ")
                          ? std::optional<probe_reply>{parse_who_reply(t, next, line)}
                          : std::nullopt);
    ++next;
  }
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
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    d.lines.push_back(parse_room_line(line));
    if (note_line_refusal(t, k, line, d)) {
      // a kick: in no room now
    } else if (is_membership_line(line)) {
      membership_change c{t, k, {}};
      if (starts_with(line, "*** You are in ") && !starts_with(line, removed_line)) {
        auto rest = line.substr(15);
        c.rooms.insert(rest.substr(0, rest.find(' ')));
      }
      d.membership.push_back(std::move(c));
    }
  }
  pair_line_probes(s, d);
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
  explicit irc_reader(digest& out) : d(out) {}

  digest& d;
  std::set<std::string> rooms;
  std::string nick; ///< the session's nick at this point of the transcript
  // The nick the session asked for last and has not seen its echo of yet. A NICK line with
  // the session's own nick as prefix is not always its own: a nick changes hands, and the
  // previous holder's rename can reach this session after its own rename to that nick (the
  // room's fan-out takes longer than the connection's own echo). Its own echo answers its
  // own NICK command.
  std::string pending_nick;
  // The nick the session had before its last own rename, while rooms may still know it by it.
  // The connection writes the NICK echo when the directory has moved the name, and only then
  // tells each room, one after another: a room that handles a KICK of the old nick first sends
  // the KICK, naming the old nick, after the echo. The directory keeps the old nick until every
  // room has answered, and only then does the connection handle the next line: such a KICK
  // comes before the PONG of the first PING sent after the NICK (the random client's
  // sentinel), and until that PONG no other session can hold the old nick. A session that
  // sent no PING after its NICK keeps the old nick until a later PING's PONG or rename.
  std::string old_nick;
  std::string release_ping; ///< the token of the first PING sent after the last NICK
  bool ping_owed = false;   ///< a NICK was sent, and no PING since

  /// A line the session sent, before the received lines that arrived after it are read.
  void sent(const std::string& line) {
    auto m = split_irc_line(line);
    auto c = lower(m.command);
    if (c == "nick") {
      pending_nick = lower(m.param(0));
      release_ping.clear();
      ping_owed = true;
    } else if (c == "ping" && ping_owed) {
      release_ping = m.param(0);
      ping_owed = false;
    }
  }

  /// A PONG with `token`: after the one that follows a NICK, no room knows the old nick.
  void pong(const std::string& token) {
    if (!release_ping.empty() && token == release_ping) {
      old_nick.clear();
      release_ping.clear();
    }
  }

  /// Whether a KICK of `target` is a kick of this session.
  bool kicks_me(const std::string& target) const {
    return target == nick || (!old_nick.empty() && target == old_nick);
  }

  /// Whether a NICK with the session's own nick as prefix answers its own NICK command.
  bool own_rename(const irc_line& m) {
    if (lower(m.param(0)) != pending_nick)
      return false;
    pending_nick.clear();
    return true;
  }

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
      pending_nick.clear(); // registration's NICKs are answered by the welcome
    } else if (c == "404" && sender.empty() && !nick.empty()) {
      d.refusals.emplace_back(k, room_of_channel(m.param(1)));
    } else if (sender.empty() || nick.empty()) {
      return; // a server line, or anything before registration
    } else if (c == "NICK" && sender == nick && own_rename(m)) {
      // (The PONG that ends the old nick's window may already have come: none is owed then.)
      old_nick = release_ping.empty() && !ping_owed ? std::string{} : nick;
      nick = m.param(0);
      d.names.push_back({t, k, nick});
    } else if (c == "KICK" && kicks_me(m.param(1)) && rooms.count(room)) {
      own_membership(t, k, "PART", room);
      d.kicked.insert(k);
      d.refusals.emplace_back(k, room);
    } else if ((c == "JOIN" || c == "PART") && sender == nick) {
      own_membership(t, k, c, room);
    } else if (c == "JOIN" || c == "PART") {
      notice(room, sender);
    } else if ((c == "KICK" || c == "MODE" || c == "TOPIC") && channel && sender != nick) {
      notice(room, sender); // its own changes it may see from outside (a server operator)
    } else if (c == "QUIT" || c == "NICK") {
      notice({}, sender, true);
    } else if ((c == "PRIVMSG" || c == "NOTICE") && channel &&
               (sender != nick || rooms.count(room))) {
      // (Its own echo-message copy of a line to a channel it is not in, e.g. just kicked from,
      // comes from its connection, not the room: no room line, but still its echo.)
      chat(m, sender);
    } else if ((c == "PRIVMSG" || c == "NOTICE") && channel) {
      chat(m, sender);
      d.echoes_outside.push_back(d.lines.back()->tag);
      d.lines.back().reset();
    }
  }
};

void digest_irc_session(session& s, digest& d) {
  const auto& received = s.endpoint->received();
  const auto& sent = s.endpoint->sent();
  irc_reader reader{d};
  std::unordered_map<std::string, probe_reply> pongs;
  std::size_t next_sent = 0;
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    for (; next_sent < sent.size() && sent[next_sent].t <= t; ++next_sent)
      reader.sent(sent[next_sent].text);
    d.lines.emplace_back();
    if (line.empty() || line[0] != ':')
      continue;
    auto m = split_irc_line(line);
    if (m.command == "PONG" && m.nick().empty() && m.params.size() > 1) {
      pongs.emplace(m.params.back(), probe_reply{t, k, {}, {}});
      reader.pong(m.params.back());
    } else
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

void digest_irc_echo(session& s, digest& d);

// A connection that crashed is closed by the server after "ERROR internal error; connection
// closed" (docs/simulation.md, "Defined behaviour after crashes"). What the transport flushes
// behind that line is not a member's traffic: a crash in the middle of a join leaves the room's
// held fan-out, which the close sends out although the join was never answered. The session
// has ended there: its later lines are nobody's room lines.
void ignore_after_crash(session& s, digest& d) {
  const auto& received = s.endpoint->received();
  for (std::size_t k = 0; k < received.size(); ++k)
    if (starts_with(received[k].text, "ERROR internal error")) {
      for (++k; k < d.lines.size(); ++k)
        d.lines[k].reset();
      return;
    }
}

digest make_digest(session& s) {
  digest d;
  d.lines.reserve(s.endpoint->received().size());
  if (s.irc) {
    digest_irc_session(s, d);
    digest_irc_echo(s, d);
  } else
    digest_line_session(s, d);
  ignore_after_crash(s, d);
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

// An account's password: the scenario's, or the one random clients use.
std::string password_of(const oracle_input& in, const std::string& account) {
  auto i = in.accounts.find(account);
  return i != in.accounts.end() ? i->second : random_client::password_for(account);
}

// When each account is known to exist at the latest: the clients were told so.
std::map<std::string, vtime> accounts_known(const oracle_input& in) {
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
  return account_known;
}

// The last SASL payload the session sent by `t`, decoded; none if it sent none.
std::optional<std::string> last_sasl_payload(session& s, vtime t) {
  std::optional<std::string> payload;
  for (const auto& x : s.endpoint->sent()) {
    if (x.t > t)
      break;
    auto c = split_irc_line(x.text);
    if (lower(c.command) == "authenticate" && c.param(0) != "PLAIN" && c.param(0) != "*" &&
        c.param(0) != "+")
      payload = base64_decode(c.param(0));
  }
  return payload;
}

// Whether a PLAIN payload (authorisation NUL account NUL password) is `account` with that
// account's right password.
bool logs_in_as(const oracle_input& in, const std::optional<std::string>& payload,
                const std::string& account) {
  auto first = payload ? payload->find('\0') : std::string::npos;
  auto second = first == std::string::npos ? first : payload->find('\0', first + 1);
  return second != std::string::npos &&
         lower(payload->substr(first + 1, second - first - 1)) == account &&
         payload->substr(second + 1) == password_of(in, account);
}

// Every 900 (logged in as ACCOUNT) answers a payload with that account's right password.
// Returns the account the session was logged in as before its welcome (empty: none).
std::string check_sasl_logins(const oracle_input& in, session& s, const digest& d,
                              std::vector<std::string>& out) {
  const auto& received = s.endpoint->received();
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
    if (!logs_in_as(in, last_sasl_payload(s, received[k].t), account))
      out.push_back(who(s) + " was logged in as " + account +
                    " by SASL without that account's password " + when(received[k].t));
  }
  return sasl_account;
}

// The credentials in force at registration: the last PASS and the last NICK before 001.
// The NICK that set the nick is the first NICK of it since the last valid other one: the
// server checked the nick's account after that line.
struct registration_credentials {
  std::optional<std::string> pass;
  vtime nick_sent{0};
  bool nick_set = false;
};

registration_credentials credentials_at_registration(session& s, const digest& d,
                                                     vtime t_welcome) {
  registration_credentials r;
  for (const auto& x : s.endpoint->sent()) {
    if (x.t > t_welcome)
      break;
    auto c = split_irc_line(x.text);
    auto cmd = lower(c.command);
    auto nick = lower(c.param(0));
    if (cmd == "pass")
      r.pass = c.param(0);
    else if (cmd == "nick" && nick == d.nick && !r.nick_set)
      r.nick_sent = x.t, r.nick_set = true;
    else if (cmd == "nick" && nick != d.nick && valid_name(nick))
      r.nick_set = false;
  }
  return r;
}

// A session that registered a nick without SASL as its account: a PASS must be the nick's
// account's right password, and without one the nick's account must not have been known to
// exist when the NICK that set it was sent.
void check_registration(const oracle_input& in, session& s, const digest& d, vtime t_welcome,
                        const registration_credentials& creds,
                        const std::map<std::string, vtime>& account_known,
                        std::vector<std::string>& out) {
  if (creds.pass && !creds.pass->empty()) { // an empty PASS takes the password back
    const auto& pass = *creds.pass;
    auto pw = pass.substr(pass.find(':') == std::string::npos ? 0 : pass.find(':') + 1);
    if (pw != password_of(in, d.nick))
      out.push_back(who(s) + " registered with a wrong PASS for " + d.nick + " " +
                    when(t_welcome));
    return;
  }
  auto i = account_known.find(d.nick);
  if (i != account_known.end() && creds.nick_set && i->second < creds.nick_sent)
    out.push_back(who(s) + " registered the reserved nick " + d.nick +
                  " without authenticating " + when(t_welcome) + " (the account existed by " +
                  format_vtime(i->second) + ")");
}

// IRC authentication: SASL logins, the credentials at registration, and renames to nicks
// that have an account.
void check_irc_auth(const oracle_input& in, const digests& ds, std::vector<std::string>& out) {
  auto account_known = accounts_known(in);
  for (auto* s : in.sessions) {
    if (!s->irc)
      continue;
    const auto& d = ds.at(s);
    auto sasl_account = check_sasl_logins(in, *s, d, out);
    if (!d.welcome)
      continue;
    auto t_welcome = s->endpoint->received()[*d.welcome].t;
    auto creds = credentials_at_registration(*s, d, t_welcome);
    const auto& pass = creds.pass;
    auto authenticated = !sasl_account.empty() ? sasl_account : pass && !pass->empty() ? d.nick : "";
    check_renames_to_accounts(*s, d, authenticated, account_known, out);
    if (sasl_account == d.nick)
      continue; // the nick's own account, authenticated
    check_registration(in, *s, d, t_welcome, creds, account_known, out);
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
                        session& q, const digest& dq, rule_counter& count,
                        std::vector<std::string>& out) {
  auto t_send = s.endpoint->sent()[chat.sent_index].t;
  if (!q.logged_in || !member_throughout(dq, chat.room, t_send, sync.t))
    return;
  count.add("no-loss");
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
  if (next_reply)
    count.add("sync-order");
  if (next_reply && (!got || *got > next_reply->index))
    out.push_back("ordering guarantee broken: " + who(q) + " got the reply to a " +
                  (q.irc ? "PING" : "/who") + " sent after " + s.name +
                  " had synchronised on " + chat.tag + " before receiving it " +
                  when(next_reply->t));
}

void check_delivery(const std::vector<session*>& sessions, const digests& ds,
                    rule_counter& count, std::vector<std::string>& out) {
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
              check_line_reached(*s, chat, sync, *q, ds.at(q), count, out);
        }
        continue;
      }
      // A PONG names no one: every session whose own transcript has it in the channel from
      // the send to the PONG is a member the line is owed to.
      auto t_send = s->endpoint->sent()[chat.sent_index].t;
      const auto& sender = name_at(*s, mine, t_send);
      for (auto* q : logged_in)
        if (q != s && name_at(*q, ds.at(q), t_send) != sender)
          check_line_reached(*s, chat, sync, *q, ds.at(q), count, out);
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
      missing = ds.at(s).unanswered_probes; // an error answers a /who too (a kick)
    }
    if (missing > 0)
      out.push_back(who(*s) + ": " + std::to_string(missing) +
                    (s->irc ? " PING(s)" : " /who probe(s)") +
                    " never answered although faults had stopped");
  }
}


// The rules that existing checks carry out, counted from the digests they read: how many room
// lines were placed, tagged lines ordered, senders checked, sessions welcomed, probes due.
void count_digest_rules(const std::vector<session*>& sessions, const digests& ds, bool rooms_crash,
                        rule_counter& count) {
  for (auto* s : sessions) {
    const auto& d = ds.at(s);
    std::uint64_t room_lines = 0, tagged = 0, senders = 0;
    for (const auto& r : d.lines) {
      if (!r)
        continue;
      ++room_lines;
      tagged += r->tag.empty() ? 0 : 1;
      senders += r->sender.empty() ? 0 : 1;
    }
    count.add("no-strays", room_lines);
    count.add("no-duplicates", tagged);
    count.add("room-order", tagged);
    count.add("logins", senders);
    if (s->irc && d.welcome)
      count.add("irc-auth");
    if (!rooms_crash && !ended(*s))
      count.add("liveness", s->probes.size());
  }
  count.add("queue-bound");
}

// --- no echo: a session never gets its own chat line back (IRC echo-message: exactly once) ---

bool names_cap(const std::string& list, std::string_view cap) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    auto sp = std::min(list.find(' ', pos), list.size());
    if (std::string_view{list}.substr(pos, sp - pos) == cap)
      return true;
    pos = sp + 1;
  }
  return false;
}

// When the IRC session first asked for echo-message, and when the server first ACKed it.
void digest_irc_echo(session& s, digest& d) {
  for (const auto& x : s.endpoint->sent()) {
    auto m = split_irc_line(x.text);
    if (lower(m.command) == "cap" && lower(m.param(0)) == "req" &&
        names_cap(m.param(1), "echo-message")) {
      d.echo_requested = x.t;
      break;
    }
  }
  if (!d.echo_requested)
    return;
  for (const auto& [t, line] : s.endpoint->received()) {
    if (line.find(" CAP ") == std::string::npos)
      continue;
    auto m = split_irc_line(line);
    if (m.command == "CAP" && m.param(1) == "ACK" && !m.params.empty() &&
        names_cap(m.params.back(), "echo-message")) {
      d.echo_acked = t;
      return;
    }
  }
}

// Arrival times of IRC error numerics (4xx) and FAILs: the server may have refused a line.
std::vector<vtime> irc_error_times(session& s) {
  std::vector<vtime> out;
  for (const auto& [t, line] : s.endpoint->received()) {
    auto m = split_irc_line(line);
    if (m.command == "FAIL" || (m.command.size() == 3 && m.command[0] == '4'))
      out.push_back(t);
  }
  return out;
}

// An IRC chat line sent after echo-message was ACKed must come back before the answer to the
// session's next PING, unless an error came in between (a refused or failed line has none).
void check_echo_owed(session& s, const digest& d, const sent_record& chat, std::size_t copies,
                     const std::vector<vtime>& errors, rule_counter& count,
                     std::vector<std::string>& out) {
  const auto& x = s.endpoint->sent()[chat.sent_index];
  if (!d.echo_acked || x.t < *d.echo_acked || !starts_with(x.text, "PRIVMSG"))
    return;
  auto reply = first_probe_reply_after(d, x.t);
  if (!reply)
    return;
  auto err = std::lower_bound(errors.begin(), errors.end(), x.t);
  if (err != errors.end() && *err <= reply->t)
    return;
  count.add("echo-once");
  if (copies == 0)
    out.push_back(who(s) + " has echo-message but never got its own " + chat.tag + " back " +
                when(reply->t));
}

void check_no_echo(const std::vector<session*>& sessions, const digests& ds, rule_counter& count,
                   std::vector<std::string>& out) {
  for (auto* s : sessions) {
    if (s->chats.empty())
      continue;
    const auto& d = ds.at(s);
    std::unordered_map<std::string, std::size_t> copies; // own tag -> copies received
    for (const auto& c : s->chats)
      copies.emplace(c.tag, 0);
    for (const auto& r : d.lines)
      if (r && !r->tag.empty())
        if (auto i = copies.find(r->tag); i != copies.end())
          ++i->second;
    for (const auto& tag : d.echoes_outside)
      if (auto i = copies.find(tag); i != copies.end())
        ++i->second;
    std::vector<vtime> errors;
    if (s->irc && d.echo_acked)
      errors = irc_error_times(*s);
    for (const auto& c : s->chats) {
      auto t = s->endpoint->sent()[c.sent_index].t;
      auto n = copies[c.tag];
      bool may_echo = s->irc && d.echo_requested && t >= *d.echo_requested;
      count.add("no-echo");
      if (n > 1 || (n == 1 && !may_echo))
        out.push_back(who(*s) + " received its own line " + c.tag + " back" +
                      (n > 1 ? " " + std::to_string(n) + " times" : std::string{}) +
                      (may_echo ? " (echo-message gives one copy)" : "") + " (sent " + when(t) +
                      ")");
      if (s->irc)
        check_echo_owed(*s, d, c, n, errors, count, out);
    }
  }
}

// --- progress for logins and names ---

/// A session that may hold a name in the directory: from when it first sent the name (a line
/// session at the name prompt, an IRC session in a NICK) until it ended, if it did. Sending
/// the name comes before any claim, so every real holder is among these.
struct name_holder {
  session* s;
  vtime from;
  std::optional<vtime> until;
};

using name_holders = std::map<std::string, std::vector<name_holder>>;

name_holders find_name_holders(const std::vector<session*>& sessions) {
  name_holders out;
  for (auto* s : sessions) {
    std::map<std::string, vtime> first; // name -> when this session first sent it
    for (const auto& x : s->endpoint->sent()) {
      auto name = lower(s->irc ? (lower(split_irc_line(x.text).command) == "nick"
                                    ? split_irc_line(x.text).param(0)
                                    : std::string{})
                               : x.text);
      if (valid_name(name))
        first.emplace(name, x.t);
    }
    for (const auto& [name, t] : first)
      out[name].push_back({s, t, s->endpoint->closed_at()});
  }
  return out;
}

// Whether a session other than `asker` may have held `name` at some moment in [from, to]:
// it had sent the name by `to`, and it had not ended `slack` before `from` (the server frees a
// name once it sees the connection end, a little after the client does).
bool held_by_other(const name_holders& hs, const std::string& name, const session* asker,
                   vtime from, vtime to, vtime slack) {
  auto i = hs.find(name);
  if (i == hs.end())
    return false;
  for (const auto& h : i->second)
    if (h.s != asker && h.from <= to && (!h.until || *h.until + slack >= from))
      return true;
  return false;
}

// The last time `s` sent `name` (IRC: NICK name) at or before `t`.
std::optional<vtime> last_asked_for(session& s, const std::string& name, vtime t) {
  std::optional<vtime> asked;
  for (const auto& x : s.endpoint->sent()) {
    if (x.t > t)
      break;
    auto sent_name = s.irc ? (lower(split_irc_line(x.text).command) == "nick"
                                ? split_irc_line(x.text).param(0)
                                : std::string{})
                           : x.text;
    if (lower(sent_name) == name)
      asked = x.t;
  }
  return asked;
}

// The name a refusal names: line "ERROR NAME is already logged in", IRC 433 with the default
// text (a 433 for a nick reserved by an account says so and is not about sessions).
std::optional<std::string> refused_name(session& s, const std::string& line) {
  static const std::string in_use = " is already logged in";
  if (!s.irc) {
    if (starts_with(line, "ERROR ") && line.size() > 6 + in_use.size() &&
        line.compare(line.size() - in_use.size(), in_use.size(), in_use) == 0)
      return lower(line.substr(6, line.size() - 6 - in_use.size()));
    return std::nullopt;
  }
  if (line.find(" 433 ") == std::string::npos)
    return std::nullopt;
  auto m = split_irc_line(line);
  if (m.command != "433" || m.params.back() != "Nickname is already in use")
    return std::nullopt;
  return lower(m.param(1));
}

// A line session told NAME is already logged in, or an IRC session told its nick is in use,
// must have asked while some other session held the name: one that had sent it and had not
// ended (plus `slack` for the release to reach the directory) when this one asked.
void check_name_progress(const std::vector<session*>& sessions, const name_holders& hs,
                         vtime slack, rule_counter& count, std::vector<std::string>& out) {
  for (auto* s : sessions)
    for (const auto& [t, line] : s->endpoint->received()) {
      auto name = refused_name(*s, line);
      if (!name)
        continue;
      auto asked = last_asked_for(*s, *name, t);
      if (!asked)
        continue;
      count.add(s->irc ? "name-freed" : "login-progress");
      if (held_by_other(hs, *name, s, *asked, t, slack))
        continue;
      out.push_back(who(*s) + " was refused " + *name + " as in use " + when(t) +
                    " although no other session held that name when it asked (" +
                    format_vtime(*asked) + "): " + line);
    }
}

// A line session still connected at the end whose last received line is a login prompt, and
// that answered it, must have had an answer: every line at a login prompt gets one (a login,
// an error, the next prompt), a wrong password after a pause of at most a few seconds.
void check_login_answered(const std::vector<session*>& sessions, rule_counter& count,
                          std::vector<std::string>& out) {
  for (auto* s : sessions) {
    if (s->irc || s->logged_in || ended(*s))
      continue;
    const auto& received = s->endpoint->received();
    const auto& sent = s->endpoint->sent();
    if (received.empty() || sent.empty())
      continue;
    const auto& [t, last] = received.back();
    bool prompt = last == "*** Name?" || starts_with(last, "*** Password for ") ||
                  starts_with(last, "*** New account ");
    if (!prompt || sent.back().t <= t)
      continue;
    count.add("login-progress");
    out.push_back(who(*s) + " answered the login prompt '" + last + "' " +
                  when(sent.back().t) + " and never got an answer: " + sent.back().text);
  }
}

// --- membership agreement: a /who reply and the members' own transcripts agree ---

// Whether the digest has the session in `room` at some moment from `from` on. No upper bound:
// a client that stopped reading learns of its joins late, all at once, while the room lists it
// from each join on.
bool in_room_from(const digest& d, const std::string& room, vtime from) {
  auto after_from = std::upper_bound(d.membership.begin(), d.membership.end(), from,
                                     [](vtime t, const membership_change& m) { return t < m.t; });
  if (after_from != d.membership.begin())
    --after_from; // the state in force at `from`
  for (auto i = after_from; i != d.membership.end(); ++i)
    if (i->rooms.count(room))
      return true;
  return false;
}

// The name a live session is listed under: its login name; for IRC the welcome's nick, unless
// it sent a NICK after the welcome (a rename the oracle does not place in time): then none.
std::optional<std::string> listed_name(session& s, const digest& d) {
  if (!s.logged_in || s.name.empty())
    return std::nullopt;
  if (!s.irc)
    return lower(s.name);
  if (!d.welcome)
    return std::nullopt;
  auto welcomed = s.endpoint->received()[*d.welcome].t;
  for (const auto& x : s.endpoint->sent())
    if (x.t > welcomed && lower(split_irc_line(x.text).command) == "nick")
      return std::nullopt;
  return lower(d.nick);
}

// A listed name must belong to a session that may have been in the room while the room
// answered: it had sent the name by then, had not ended before the probe (less the slack),
// and its own transcript has it in the room at the probe or later, or it ended later (a
// session that ended may never have read its last lines: a stalled reader's transcript stops
// where it stopped reading; a half-closed one has no end time of its own).
bool may_be_listed(const name_holders& hs, const digests& ds, const std::string& name,
                   const std::string& room, vtime from, vtime to) {
  auto i = hs.find(name);
  if (i == hs.end())
    return false;
  for (const auto& h : i->second) {
    if (h.from > to || (h.until && *h.until < from))
      continue;
    if (h.until || h.s->reset || in_room_from(ds.at(h.s), room, from))
      return true;
  }
  return false;
}

/// A live session, the name it is listed under, and when it learnt that others took it out
/// of a room (sorted).
struct live_member {
  session* s;
  std::string name;
  std::vector<vtime> removals;
};

// When the session read that it was removed from a room without asking: a line session's
// "*** You are in no room now." or room failure, an IRC KICK of its own nick. A stalled reader
// reads that late, so the room may have dropped it long before its transcript shows it.
std::vector<vtime> removals_of(session& s, const std::string& name) {
  std::vector<vtime> out;
  for (const auto& [t, line] : s.endpoint->received()) {
    if (!s.irc) {
      if (starts_with(line, removed_line) || starts_with(line, "ERROR room "))
        out.push_back(t);
    } else if (line.find(" KICK ") != std::string::npos) {
      auto m = split_irc_line(line);
      if (m.command == "KICK" && lower(m.param(1)) == name)
        out.push_back(t);
    }
  }
  return out;
}

void check_membership_agreement(const std::vector<session*>& sessions, const digests& ds,
                                const name_holders& hs, vtime slack, rule_counter& count,
                                std::vector<std::string>& out) {
  std::vector<live_member> live;
  for (auto* q : sessions)
    if (!ended(*q))
      if (auto n = listed_name(*q, ds.at(q)))
        live.push_back({q, *n, removals_of(*q, *n)});
  for (auto* s : sessions) {
    if (s->irc)
      continue;
    const auto& d = ds.at(s);
    for (std::size_t k = 0; k < d.answers.size(); ++k) {
      if (!d.answers[k] || d.answers[k]->room.empty())
        continue;
      const auto& reply = *d.answers[k];
      auto asked = d.probe_sent[k];
      std::set<std::string> listed;
      for (const auto& m : reply.members)
        listed.insert(lower(m));
      count.add("membership-agreement");
      for (const auto& q : live) {
        // Removed by others after the probe: the room may have done it before answering.
        bool removed = std::lower_bound(q.removals.begin(), q.removals.end(), asked) !=
                       q.removals.end();
        if (!listed.count(q.name) && !removed &&
            member_throughout(ds.at(q.s), reply.room, asked, reply.t))
          out.push_back(who(*s) + ": /who of " + reply.room + " " + when(reply.t) +
                        " does not list " + who(*q.s) + ", which was in it throughout");
      }
      for (const auto& name : listed)
        if (!may_be_listed(hs, ds, name, reply.room, asked - slack, reply.t + slack))
          out.push_back(who(*s) + ": /who of " + reply.room + " " + when(reply.t) + " lists " +
                        name + ", whom no session had in that room then");
    }
  }
}


// --- topic agreement: the topic a session is told is the one the channel's members saw ---

/// One step of a member's own view of a channel's topic, in the room's order: the 332/331 that
/// answered its JOIN (written with the JOIN, before any later line of the room), then each
/// topic change it received (IRC TOPIC line; line protocol "*** X set the topic: T" or
/// "*** X cleared the topic").
struct topic_step {
  vtime t;
  std::string text;
};

using topic_views = std::map<std::string, std::vector<topic_step>>; // room -> steps

/// The topic an IRC topic reply (332/331) or change (TOPIC) gives, for the room it names.
std::optional<std::pair<std::string, std::string>> irc_topic_of(const irc_line& m) {
  if (m.command == "332")
    return std::make_pair(room_of_channel(m.param(1)), m.param(2));
  if (m.command == "331")
    return std::make_pair(room_of_channel(m.param(1)), std::string{});
  if (m.command == "TOPIC" && !m.nick().empty())
    return std::make_pair(room_of_channel(m.param(0)), m.param(1));
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> line_topic_of(const std::string& line) {
  auto r = parse_room_line(line);
  if (!r || !r->notice)
    return std::nullopt;
  auto rest = line.substr(line.find("] *** ") + 6 + r->sender.size());
  if (starts_with(rest, " set the topic: "))
    return std::make_pair(r->room, rest.substr(16));
  if (rest == " cleared the topic")
    return std::make_pair(r->room, std::string{});
  return std::nullopt;
}

// A 332/331 is a step of the view only where it answers the session's own JOIN: it comes right
// after the JOIN echo. (The answer to a TOPIC query travels apart from the room's lines.)
topic_views topic_views_of(const session& s, const digest& d) {
  topic_views out;
  const auto& received = s.endpoint->received();
  std::set<std::size_t> joins; // positions of the session's own JOIN echoes
  std::set<std::string> before;
  for (const auto& c : d.membership) {
    if (s.irc && c.rooms.size() > before.size())
      joins.insert(c.index);
    before = c.rooms;
  }
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    if (!s.irc) {
      if (auto x = line_topic_of(line))
        out[x->first].push_back({t, x->second});
      continue;
    }
    auto m = split_irc_line(line);
    auto x = irc_topic_of(m);
    if (x && (m.command == "TOPIC" || (k > 0 && joins.count(k - 1))))
      out[x->first].push_back({t, x->second});
  }
  return out;
}

/// A topic an IRC session was told (332/331), and the earliest moment it may have asked for it.
struct topic_answer {
  vtime asked;
  vtime t;
  std::string room;
  std::string text;
};

// The session's requests for a room's topic (a JOIN naming it, a TOPIC query) are answered in
// order, each by a 332/331 or an error naming the channel; a request that gets nothing (a JOIN
// of a channel it is in) stays outstanding and makes later answers count as asked earlier,
// which only widens the window the rule looks at.
std::vector<topic_answer> topic_answers_of(const session& s) {
  std::vector<topic_answer> out;
  std::map<std::string, std::vector<vtime>> outstanding; // room -> send times, oldest first
  const auto& sent = s.endpoint->sent();
  std::size_t next_sent = 0;
  for (const auto& [t, line] : s.endpoint->received()) {
    for (; next_sent < sent.size() && sent[next_sent].t <= t; ++next_sent) {
      auto c = split_irc_line(sent[next_sent].text);
      auto cmd = lower(c.command);
      if (cmd == "topic" && c.params.size() == 1) {
        outstanding[room_of_channel(c.param(0))].push_back(sent[next_sent].t);
      } else if (cmd == "join") {
        const auto& list = c.param(0);
        for (std::size_t pos = 0; pos < list.size();) {
          auto comma = std::min(list.find(',', pos), list.size());
          if (list[pos] == '#')
            outstanding[room_of_channel(list.substr(pos, comma - pos))].push_back(sent[next_sent].t);
          pos = comma + 1;
        }
      }
    }
    auto m = split_irc_line(line);
    bool answer = m.command == "332" || m.command == "331";
    bool error = m.command.size() == 3 && m.command[0] == '4' && starts_with(m.param(1), "#");
    if (!answer && !error)
      continue;
    auto i = outstanding.find(room_of_channel(m.param(1)));
    if (i == outstanding.end() || i->second.empty())
      continue;
    if (answer)
      out.push_back({i->second.front(), t, i->first, m.command == "332" ? m.param(2) : ""});
    i->second.erase(i->second.begin());
  }
  return out;
}

// The topic in force when the room answered: a witness W that was in the room throughout,
// from its last view step received before the request was sent to the answer of its first
// probe sent a second after the topic answer arrived. Every change the room made before it
// answered reaches W before that probe's answer (the ordering guarantee), after that step
// (the room's order): if W's view has no other text in between, the room's topic was W's.
std::optional<std::string> settled_topic(const topic_answer& a, const digest& dw, const topic_views& views) {
  auto v = views.find(a.room);
  if (v == views.end())
    return std::nullopt;
  const auto& steps = v->second;
  auto after = std::lower_bound(steps.begin(), steps.end(), a.asked,
                                [](const topic_step& s, vtime t) { return s.t < t; });
  if (after == steps.begin())
    return std::nullopt;
  const auto& last = *std::prev(after);
  auto sync = first_probe_reply_after(dw, a.t + std::chrono::seconds{1});
  if (!sync || !member_throughout(dw, a.room, last.t, sync->t))
    return std::nullopt;
  for (auto i = after; i != steps.end() && i->t <= sync->t; ++i)
    if (i->text != last.text)
      return std::nullopt;
  return last.text;
}

void check_topic_agreement(const std::vector<session*>& sessions, const digests& ds,
                           rule_counter& count, std::vector<std::string>& out) {
  std::vector<std::pair<session*, topic_views>> witnesses;
  for (auto* w : sessions)
    witnesses.emplace_back(w, topic_views_of(*w, ds.at(w)));
  for (auto* s : sessions) {
    if (!s->irc)
      continue;
    for (const auto& a : topic_answers_of(*s))
      for (const auto& [w, views] : witnesses) {
        if (w == s)
          continue;
        auto expected = settled_topic(a, ds.at(w), views);
        if (!expected)
          continue;
        count.add("topic-agreement");
        if (*expected != a.text)
          out.push_back(who(*s) + " was told the topic of " + a.room + " is '" + a.text + "' " +
                        when(a.t) + ", but " + who(*w) + ", in it throughout, had it as '" +
                        *expected + "' since before the request (" + format_vtime(a.asked) + ")");
        break;
      }
  }
}


// --- away reply: a 301 after a PRIVMSG carries the away message its nick's session set ---

/// Whether `h` held the name `nick` at the server throughout [from, to], as its transcript
/// settles it: an IRC session welcomed as or renamed to it by `from` that sent no NICK since,
/// a line session logged in as it by `from`; and its probe sent after `to` was answered (its
/// connection was still there).
bool holds_name_throughout(const session& h, const digest& dh, const std::string& nick,
                           vtime from, vtime to) {
  if (!first_probe_reply_after(dh, to))
    return false;
  if (!h.irc) {
    if (lower(h.name) != nick)
      return false;
    for (const auto& [t, line] : h.endpoint->received())
      if (t <= from && starts_with(line, "*** Logged in as "))
        return true;
    return false;
  }
  auto after = std::upper_bound(dh.names.begin(), dh.names.end(), from,
                                [](vtime t, const name_change& n) { return t < n.t; });
  if (after == dh.names.begin() || lower(std::prev(after)->nick) != nick)
    return false;
  if (after != dh.names.end() && after->t <= to)
    return false;
  auto since = std::prev(after)->t;
  for (const auto& x : h.endpoint->sent())
    if (x.t > since && x.t <= to && lower(split_irc_line(x.text).command) == "nick")
      return false;
  return true;
}

/// The away message (empty: here) of an IRC session that holds its state still over
/// [from, to]: every AWAY it sent by `to` was answered (305/306) by `from`; the last one sets it.
/// A line session is never away.
std::optional<std::string> settled_away(const session& h, const digest& dh, vtime from, vtime to) {
  if (!h.irc)
    return std::string{};
  if (!dh.welcome)
    return std::nullopt;
  auto welcomed = h.endpoint->received()[*dh.welcome].t;
  std::size_t asked = 0, answered = 0;
  std::string message;
  for (const auto& x : h.endpoint->sent()) {
    if (x.t > to)
      break;
    auto c = split_irc_line(x.text);
    if (x.t < welcomed || lower(c.command) != "away")
      continue;
    ++asked;
    message = c.params.empty() ? std::string{} : c.param(0).substr(0, 200);
  }
  for (const auto& [t, line] : h.endpoint->received()) {
    if (t > from)
      break;
    auto c = split_irc_line(line);
    answered += c.command == "305" || c.command == "306" ? 1 : 0;
  }
  if (answered < asked)
    return std::nullopt;
  return message;
}

/// The 301s for `nick` among the session's lines from `from_t` to position `last` (a 401 or a
/// FAIL there: nullopt, the message may not have been delivered).
std::optional<std::vector<std::string>> away_replies(const session& s, const std::string& nick,
                                                     vtime from_t, std::size_t last) {
  std::vector<std::string> out;
  const auto& received = s.endpoint->received();
  for (std::size_t k = 0; k <= last && k < received.size(); ++k) {
    if (received[k].t < from_t)
      continue;
    auto m = split_irc_line(received[k].text);
    if (m.command == "FAIL" || (m.command == "401" && lower(m.param(1)) == nick))
      return std::nullopt;
    if (m.command == "301" && lower(m.param(1)) == nick)
      out.push_back(m.param(2));
  }
  return out;
}

// Whether the session sent a line other than the one at `p` naming `nick` as its target
// (PRIVMSG, NOTICE, WHOIS) from `from` on, before its line at position `probe` (lines sent
// together share their time): its answers could not be told from those of `p`.
bool other_line_to(const session& s, const std::string& nick, std::size_t p, vtime from,
                   std::size_t probe) {
  const auto& sent = s.endpoint->sent();
  for (std::size_t i = 0; i < probe && i < sent.size(); ++i) {
    if (i == p || sent[i].t < from)
      continue;
    auto c = split_irc_line(sent[i].text);
    auto cmd = lower(c.command);
    if ((cmd == "privmsg" || cmd == "notice" || cmd == "whois") &&
        (lower(c.param(0)) == nick || (cmd == "whois" && lower(c.param(1)) == nick)))
      return true;
  }
  return false;
}

// A PRIVMSG to a nick is answered, before the sender's next PONG, by one 301 with the away
// message of the session that holds the nick if it is away, and by none if it is not. Checked
// where the answer is unambiguous (no other line to that nick since the last PONG before it)
// and the holder's name and away state were settled 2 s before the PRIVMSG until that PONG.
void check_away_reply(session& s, const digests& ds, const std::vector<session*>& sessions,
                      std::size_t p, rule_counter& count, std::vector<std::string>& out) {
  const auto& d = ds.at(&s);
  const auto& x = s.endpoint->sent()[p];
  auto c = split_irc_line(x.text);
  auto nick = lower(c.param(0));
  if (lower(c.command) != "privmsg" || nick.empty() || nick[0] == '#' ||
      nick.find(',') != std::string::npos || c.params.size() < 2)
    return;
  auto next = static_cast<std::size_t>(
    std::upper_bound(d.probe_sent.begin(), d.probe_sent.end(), x.t) - d.probe_sent.begin());
  if (next >= d.answers.size() || !d.answers[next])
    return;
  const auto& sync = *d.answers[next];
  vtime since{0}; // when the last probe answered before the PRIVMSG was sent
  for (std::size_t k = 0; k < next; ++k)
    if (d.answers[k] && d.answers[k]->t < x.t)
      since = d.probe_sent[k];
  if (other_line_to(s, nick, p, since, s.probes[next].sent_index))
    return;
  auto replies = away_replies(s, nick, x.t, sync.index);
  if (!replies)
    return;
  auto from = x.t - std::chrono::seconds{2};
  for (auto* h : sessions) {
    const auto& dh = ds.at(h);
    if (!holds_name_throughout(*h, dh, nick, from, sync.t))
      continue;
    auto away = settled_away(*h, dh, from, sync.t);
    if (!away)
      return;
    count.add("away-reply");
    if (away->empty() && !replies->empty())
      out.push_back(who(s) + " got 301 (away: " + replies->front() + ") for " + nick + " " +
                    when(sync.t) + ", but " + who(*h) + ", which held it, was not away");
    else if (!away->empty() && (replies->size() != 1 || replies->front() != *away))
      out.push_back(who(s) + " messaged " + nick + " " + when(x.t) + " and got " +
                    (replies->empty() ? std::string{"no 301"} : "301 '" + replies->front() + "'") +
                    ", but " + who(*h) + ", which held it, was away: '" + *away + "'");
    return;
  }
}

void check_away_replies(const std::vector<session*>& sessions, const digests& ds,
                        rule_counter& count, std::vector<std::string>& out) {
  for (auto* s : sessions) {
    const auto& d = ds.at(s);
    if (!s->irc || !d.welcome)
      continue;
    auto welcomed = s->endpoint->received()[*d.welcome].t;
    const auto& sent = s->endpoint->sent();
    for (std::size_t p = 0; p < sent.size(); ++p)
      if (sent[p].t > welcomed && starts_with(sent[p].text, "PRIVMSG "))
        check_away_reply(*s, ds, sessions, p, count, out);
  }
}

} // namespace

const std::vector<std::string>& oracle_rule_names() {
  static const std::vector<std::string> names{
    "no-strays",  "no-duplicates",  "room-order",  "logins",     "irc-auth",
    "no-loss",    "sync-order",     "liveness",    "queue-bound", "no-echo",
    "echo-once",  "login-progress", "name-freed",  "membership-agreement",
    "topic-agreement", "away-reply"};
  return names;
}

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
  rule_counter count{in.rule_checks};
  check_no_echo(in.sessions, ds, count, out);
  // A name is free once the server has seen its session end: a little after the client did,
  // and up to a delayed authenticator answer later (a login in flight when the client left).
  bool slow_auth = in.faults && in.faults->has("slow-auth");
  vtime slack = std::chrono::seconds{slow_auth ? 7 : 2};
  auto holders = find_name_holders(in.sessions);
  check_name_progress(in.sessions, holders, slack, count, out);
  check_login_answered(in.sessions, count, out);
  check_away_replies(in.sessions, ds, count, out);
  // Room crashes make rooms forget members by design: delivery, liveness and membership
  // agreement are then not owed.
  bool rooms_crash = in.faults && in.faults->has("crash-room");
  count_digest_rules(in.sessions, ds, rooms_crash, count);
  if (!rooms_crash) {
    check_delivery(in.sessions, ds, count, out);
    check_liveness(in.sessions, ds, out);
    check_membership_agreement(in.sessions, ds, holders, std::chrono::seconds{2}, count, out);
    check_topic_agreement(in.sessions, ds, count, out);
  }
  if (in.max_unflushed_seen > in.max_output_bytes + 4096)
    out.push_back("output queue bound exceeded: " + std::to_string(in.max_unflushed_seen) +
                  " bytes unflushed towards one client (bound " +
                  std::to_string(in.max_output_bytes) + ")");
  return out;
}

} // namespace parley::sim
