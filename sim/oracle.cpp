// The invariant oracle (see oracle.hpp).
#include "sim/oracle.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace parley::sim {

namespace {

struct room_line {
  std::string room;
  std::string sender; ///< empty for notices
  std::string tag;    ///< a random client's unique first word, if any
  bool notice = false;
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

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
  auto first = body.substr(0, body.find(' '));
  if (first.size() > 1 && first[0] == 'm' && first.find('.') != std::string::npos)
    r.tag = first;
  return r;
}

std::string when(vtime t) { return "at " + format_vtime(t); }

bool is_membership_line(const std::string& l) {
  return starts_with(l, "*** You are in ") || starts_with(l, "*** You left ") ||
         (starts_with(l, "ERROR room ") && l.find(" failed;") != std::string::npos);
}

// Every received line's room-line parse, computed once per session and shared by the checks.
using parsed_lines = std::vector<std::optional<room_line>>;
using parse_cache = std::map<session*, parsed_lines>;

parsed_lines parse_all(session& s) {
  parsed_lines out;
  out.reserve(s.endpoint->received().size());
  for (const auto& x : s.endpoint->received())
    out.push_back(parse_room_line(x.text));
  return out;
}

// --- no strays: room lines only while a member, never twice ---
void check_strays(session& s, const parsed_lines& parsed, std::vector<std::string>& out) {
  std::string room;
  std::set<std::string> seen;
  const auto& received = s.endpoint->received();
  for (std::size_t i = 0; i < received.size(); ++i) {
    const auto& [t, line] = received[i];
    if (starts_with(line, "*** You are in ")) {
      auto rest = line.substr(15);
      room = rest.substr(0, rest.find(' '));
    } else if (is_membership_line(line)) {
      room.clear();
    }
    const auto& r = parsed[i];
    if (!r)
      continue;
    if (r->room != room)
      out.push_back(s.endpoint->label() + " (" + s.name + ") received a line of room " + r->room +
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

void check_room_order(const std::vector<session*>& sessions, const parse_cache& cache,
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
    for (const auto& r : cache.at(s)) {
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
void check_logins(const std::vector<session*>& sessions, const parse_cache& cache,
                  std::vector<std::string>& out) {
  // The earliest moment each name could have logged in: a session sent the name and then its
  // right password. (Whether the client saw "Logged in" does not matter: it may have been cut
  // off or stalled.) A wrong password must never get a name into a room.
  // A session that saw "Logged in as NAME." logged in no later than its last line before that.
  std::map<std::string, vtime> first_login;
  auto note = [&](const std::string& name, vtime t) {
    auto i = first_login.find(name);
    if (i == first_login.end() || t < i->second)
      first_login[name] = t;
  };
  for (auto* s : sessions) {
    std::string name;
    const auto& sent = s->endpoint->sent();
    for (const auto& x : sent) {
      if (x.text == random_client::password_for(name))
        note(name, x.t);
      name = x.text;
    }
    for (const auto& [t, line] : s->endpoint->received()) {
      if (!starts_with(line, "*** Logged in as "))
        continue;
      vtime last_sent{0};
      for (const auto& x : sent)
        if (x.t <= t)
          last_sent = x.t;
      note(line.substr(17, line.size() - 18), last_sent);
    }
  }
  for (auto* s : sessions) {
    const auto& received = s->endpoint->received();
    const auto& parsed = cache.at(s);
    for (std::size_t k = 0; k < received.size(); ++k) {
      const auto& [t, line] = received[k];
      const auto& r = parsed[k];
      if (!r || r->sender.empty())
        continue;
      auto i = first_login.find(r->sender);
      if (i == first_login.end() || t < i->second)
        out.push_back(s->endpoint->label() + " saw " + r->sender + " in room " + r->room +
                      " before that name logged in " + when(t) + ": " + line);
    }
  }
}

// --- no loss and sync order, from /who probes ---

struct probe_reply {
  vtime t;
  std::size_t index; ///< position among the session's received lines
  std::string room;
  std::vector<std::string> members;
};

// One pass over a session's transcript, indexed for the delivery checks.
struct digest {
  std::vector<probe_reply> replies;
  std::vector<vtime> probe_sent;                         ///< send time of each probe
  std::vector<std::pair<vtime, std::string>> membership; ///< (when, room after; "" = none)
  std::vector<vtime> membership_commands;                ///< sends of /join, /part, /quit
  /// tag -> (room, position among the received lines). Tags are unique per run; only looked
  /// up, never iterated. Positions, not times: lines of one read share their arrival time.
  std::unordered_map<std::string, std::pair<std::string, std::size_t>> got;
};

probe_reply parse_probe_reply(vtime t, std::size_t index, const std::string& line) {
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

digest make_digest(session& s, const parsed_lines& parsed) {
  digest d;
  const auto& received = s.endpoint->received();
  for (std::size_t k = 0; k < received.size(); ++k) {
    const auto& [t, line] = received[k];
    if (starts_with(line, "*** Members of ")) {
      d.replies.push_back(parse_probe_reply(t, k, line));
    } else if (is_membership_line(line)) {
      std::string room;
      if (starts_with(line, "*** You are in ")) {
        auto rest = line.substr(15);
        room = rest.substr(0, rest.find(' '));
      }
      d.membership.emplace_back(t, room);
    } else if (const auto& r = parsed[k]; r && !r->tag.empty()) {
      d.got.emplace(r->tag, std::make_pair(r->room, k));
    }
  }
  const auto& sent = s.endpoint->sent();
  for (const auto& p : s.probes)
    d.probe_sent.push_back(sent[p.sent_index].t);
  for (const auto& x : sent)
    if (starts_with(x.text, "/join") || starts_with(x.text, "/part") || starts_with(x.text, "/quit"))
      d.membership_commands.push_back(x.t);
  return d;
}

bool ended(session& s) {
  return !s.endpoint->connected() || s.reset;
}

// Whether the session was in `room` throughout [from, to]: its last membership line before
// `from` put it there, none came until `to`, and it sent no membership command in between.
bool member_throughout(const digest& q, const std::string& room, vtime from, vtime to) {
  auto after_from = std::upper_bound(q.membership.begin(), q.membership.end(), from,
                                     [](vtime t, const auto& m) { return t < m.first; });
  if (after_from == q.membership.begin())
    return false;
  if (after_from != q.membership.end() && after_from->first <= to)
    return false;
  auto last = std::prev(after_from);
  if (last->second != room)
    return false;
  auto cmd = std::lower_bound(q.membership_commands.begin(), q.membership_commands.end(),
                              last->first);
  return cmd == q.membership_commands.end() || *cmd > to;
}

// The reply to the session's first probe sent after `t`, if it has one.
const probe_reply* first_probe_reply_after(const digest& q, vtime t) {
  auto i = std::upper_bound(q.probe_sent.begin(), q.probe_sent.end(), t);
  auto k = static_cast<std::size_t>(i - q.probe_sent.begin());
  return k < q.replies.size() ? &q.replies[k] : nullptr;
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
  if (!got && !ended(q))
    out.push_back(q.endpoint->label() + " (" + q.name + ") never received " + chat.tag +
                  " sent to " + chat.room + " by " + s.name + " " + when(t_send));
  auto next_reply = first_probe_reply_after(dq, sync.t);
  if (next_reply && (!got || *got > next_reply->index))
    out.push_back("ordering guarantee broken: " + q.endpoint->label() + " (" + q.name +
                  ") got the reply to a /who sent after " + s.name + " had synchronised on " +
                  chat.tag + " before receiving it " + when(next_reply->t));
}

void check_delivery(const std::vector<session*>& sessions, const parse_cache& cache,
                    std::vector<std::string>& out) {
  std::map<session*, digest> digests;
  std::map<std::string, std::vector<session*>> by_name;
  for (auto* s : sessions) {
    digests.emplace(s, make_digest(*s, cache.at(s)));
    if (s->logged_in)
      by_name[s->name].push_back(s);
  }
  for (auto* s : sessions) {
    const auto& mine = digests.at(s).replies;
    for (const auto& chat : s->chats) {
      // The sender's first probe after the line, in the same room with no change in between.
      auto k = static_cast<std::size_t>(
        std::upper_bound(s->probes.begin(), s->probes.end(), chat.sent_index,
                         [](std::size_t i, const sent_record& p) { return i < p.sent_index; }) -
        s->probes.begin());
      if (k >= s->probes.size() || k >= mine.size() || s->probes[k].room_epoch != chat.room_epoch)
        continue;
      if (mine[k].room != chat.room) {
        out.push_back(s->endpoint->label() + ": /who answered for room " + mine[k].room +
                      " while in " + chat.room + " " + when(mine[k].t));
        continue;
      }
      for (const auto& name : mine[k].members) {
        if (name == s->name)
          continue;
        for (auto* q : by_name[name])
          if (q != s)
            check_line_reached(*s, chat, mine[k], *q, digests.at(q), out);
      }
    }
  }
}

// --- liveness: each session still connected at the end has every probe answered ---
void check_liveness(const std::vector<session*>& sessions, std::vector<std::string>& out) {
  for (auto* s : sessions) {
    if (ended(*s) || s->probes.empty())
      continue;
    std::size_t replies = 0;
    for (const auto& [t, line] : s->endpoint->received())
      replies += starts_with(line, "*** Members of ") ? 1 : 0;
    if (replies < s->probes.size())
      out.push_back(s->endpoint->label() + " (" + s->name + "): " +
                    std::to_string(s->probes.size() - replies) +
                    " /who probe(s) never answered although faults had stopped");
  }
}

} // namespace

std::vector<std::string> check_invariants(const oracle_input& in) {
  std::vector<std::string> out;
  parse_cache cache;
  for (auto* s : in.sessions)
    cache.emplace(s, parse_all(*s));
  for (auto* s : in.sessions)
    check_strays(*s, cache.at(s), out);
  check_room_order(in.sessions, cache, out);
  check_logins(in.sessions, cache, out);
  // Room crashes make rooms forget members by design: delivery and liveness are then not owed.
  bool rooms_crash = in.faults && in.faults->has("crash-room");
  if (!rooms_crash) {
    check_delivery(in.sessions, cache, out);
    check_liveness(in.sessions, out);
  }
  if (in.max_unflushed_seen > in.max_output_bytes + 4096)
    out.push_back("output queue bound exceeded: " + std::to_string(in.max_unflushed_seen) +
                  " bytes unflushed towards one client (bound " +
                  std::to_string(in.max_output_bytes) + ")");
  return out;
}

} // namespace parley::sim
