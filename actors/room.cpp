// The room actor's behaviour (interface in room.hpp): membership, fan-out, and the room's
// settings (room_settings.hpp), topic, bans and invitations, all in one total order. Events are
// described once (protocol::room_event) and rendered once per protocol (render_for_members).
#include "actors/room.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "caf/all.hpp"

#include "protocol/irc_events.hpp"
#include "protocol/line_text.hpp"
#include "protocol/names.hpp"
#include "trace/traced_self.hpp"
#include "util/invariant.hpp"

namespace parley {

namespace {

namespace irc = protocol::irc;
using protocol::event_kind;
using protocol::room_event;

struct member_entry {
  member_actor handle;
  std::string mask;    ///< nick!user@host, as IRC clients see the member
  std::string account; ///< empty for an anonymous IRC nick
  bool op = false;
  bool voice = false;
  bool away = false;
  bool invisible = false; ///< IRC user mode +i (member_status::invisible)
  /// Where the room writes this member's events itself (add_member::route); a null transport:
  /// they go to the member as deliver_text.
  delivery_route route;
};

// How one route sees an event: whether it gets it at all, and which rendering.
struct rendering {
  bool wanted = false;
  bool line = false;    ///< the line protocol's text
  bool time = false;    ///< IRC with a server-time tag
  bool account = false; ///< IRC with an account tag
  std::uint8_t key() const { return line ? 4 : (time ? 1 : 0) | (account ? 2 : 0); }
};

constexpr std::size_t max_bans = 100;
constexpr std::size_t max_invitations = 1000;

/// How the members see one shape of event (see event_shape), worked out once and kept until the
/// members or their routes change: broadcasting a line to N members then costs the room no work
/// per member, and the transport gets the same shared connection list every time.
struct fan_out_plan {
  struct group {
    net::transport_actor transport;
    rendering k;
    std::int64_t offset; ///< wall clock offset of its server-time tags
    net::connection_list ids;
  };
  std::vector<group> groups; ///< in first-member order
  std::vector<std::pair<std::string, member_actor>> unrouted; ///< get deliver_text each
  std::size_t members = 0; ///< how many members the room had when it was made (plan_for)
};

struct room_state {
  std::string name;
  room_registry_actor registry;
  std::map<std::string, member_entry> members; // ordered: deterministic fan-out order
  std::map<std::uint8_t, fan_out_plan> plans;   ///< by event shape; cleared on any change
  std::map<caf::actor_addr, std::string> names_by_addr;
  std::uint64_t joins_seen = 0;
  room_modes modes;
  room_topic topic;
  std::vector<ban_mask> bans;    ///< in the order they were set
  std::set<std::string> invited; ///< names that may join once despite +i
};

using room_self = trace::stateful_self<room_actor, room_state>;

std::vector<member_status> member_list(const room_state& st) {
  std::vector<member_status> out;
  out.reserve(st.members.size());
  for (const auto& [name, m] : st.members)
    out.push_back({name, m.op, m.voice, m.away, m.invisible});
  return out;
}

rendering rendering_for(const deliver_text& ev, const delivery_route& r) {
  rendering k;
  k.line = r.style == render_style::line;
  if ((k.line ? ev.line : ev.irc).size() == 0)
    return k; // nothing for this protocol (an AWAY has no line-protocol form)
  if (!k.line && ev.to == audience::away_notify && !r.away_notify)
    return k;
  k.wanted = true;
  k.time = !k.line && r.server_time;
  k.account = !k.line && r.account_tag && !ev.account.empty();
  return k;
}

shared_text render(const deliver_text& ev, const rendering& k, std::int64_t offset_ms,
                   std::int64_t clock_ms) {
  if (k.line)
    return ev.line;
  if (!k.time && !k.account)
    return ev.irc; // the shared buffer, no copy
  auto tags = irc::event_tags(k.time, clock_ms + offset_ms, k.account, ev.account);
  return shared_text{tags + ev.irc.str()};
}

// What of an event decides who gets it in which rendering (see rendering_for).
std::uint8_t event_shape(const deliver_text& ev) {
  return static_cast<std::uint8_t>((ev.line.size() > 0 ? 1 : 0) | (ev.irc.size() > 0 ? 2 : 0) |
                                   (ev.to == audience::away_notify ? 4 : 0) |
                                   (ev.account.empty() ? 0 : 8));
}

// Tags carry wall-clock time, so routes with another clock offset get their own group.
std::int64_t offset_of(const rendering& k, const delivery_route& r) {
  return k.time ? r.wall_clock_offset_ms : 0;
}

// The group of `plan` a route seeing an event as `k` belongs to, or groups.size() if none.
std::size_t group_index(const fan_out_plan& plan, const rendering& k, const delivery_route& r) {
  auto offset = offset_of(k, r);
  auto g = std::find_if(plan.groups.begin(), plan.groups.end(), [&](const auto& x) {
    return x.k.key() == k.key() && x.offset == offset && x.transport == r.transport;
  });
  return static_cast<std::size_t>(g - plan.groups.begin());
}

// Groups the members by rendering (the line protocol; IRC with or without tags, by clock offset)
// and transport, in member order.
fan_out_plan make_plan(const room_state& st, const deliver_text& ev) {
  fan_out_plan plan;
  std::vector<std::vector<net::connection_id>> ids;
  std::size_t seen = 0;
  for (const auto& [name, member] : st.members) {
    ++seen;
    const auto& r = member.route;
    if (!r.transport) {
      plan.unrouted.emplace_back(name, member.handle);
      continue;
    }
    auto k = rendering_for(ev, r);
    if (!k.wanted)
      continue;
    auto index = group_index(plan, k, r);
    if (index == plan.groups.size()) {
      plan.groups.push_back({r.transport, k, offset_of(k, r), nullptr});
      ids.emplace_back().reserve(st.members.size() - seen + 1); // at most the rest
    }
    ids[index].push_back(r.conn);
  }
  for (std::size_t i = 0; i < ids.size(); ++i)
    plan.groups[i].ids = std::make_shared<const std::vector<net::connection_id>>(std::move(ids[i]));
  plan.members = st.members.size();
  return plan;
}

const fan_out_plan& plan_for(room_self self, const deliver_text& ev) {
  auto& plans = self->state.plans;
  auto shape = event_shape(ev);
  auto i = plans.find(shape);
  if (i == plans.end())
    i = plans.emplace(shape, make_plan(self->state, ev)).first;
  // Every membership change clears the plans (forget, handle_add, handle_rename). A plan kept
  // across one would fan out to members who left, or miss those who came. (The count is what
  // can be checked in O(1) per line; a swap of members at an equal count slips through.)
  PARLEY_INVARIANT(i->second.members == self->state.members.size(),
                   "room: a fan-out plan outlived a membership change");
  return i->second;
}

std::int64_t clock_ms(room_self self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
}

// One fan_out_bytes per transport (there is one, live and simulated), in the order of their
// first groups, the parts in the plan's order; `skip`, a member of group `skip_group`, is left
// out of its part, and a part nobody would get is not sent.
void send_fan_outs(room_self self, const fan_out_plan& plan, const deliver_text& ev,
                   net::connection_id skip, std::size_t skip_group) {
  std::optional<std::int64_t> now_ms; // read once, and only for server-time tags
  std::vector<std::pair<net::transport_actor, net::fan_out_bytes>> msgs;
  for (std::size_t i = 0; i < plan.groups.size(); ++i) {
    const auto& g = plan.groups[i];
    auto m = std::find_if(msgs.begin(), msgs.end(),
                          [&](const auto& x) { return x.first == g.transport; });
    if (m == msgs.end())
      m = msgs.insert(msgs.end(), {g.transport, net::fan_out_bytes{{}, ev.once}});
    bool skipped = skip != 0 && skip_group == i;
    if (skipped && g.ids->size() == 1)
      continue; // only the sender
    if (g.k.time && !now_ms)
      now_ms = clock_ms(self);
    m->second.parts.push_back({render(ev, g.k, g.offset, now_ms.value_or(0)), g.ids,
                               skipped ? skip : net::connection_id{0}});
  }
  for (auto& [transport, msg] : msgs)
    if (!msg.parts.empty())
      self->send(transport, std::move(msg));
}

// Sends one event, rendered once per protocol, to every member except `except` (unless `echo`:
// then `except`, the IRC sender of a chat line, gets it too if the room writes to it directly).
// Members with a delivery route get it through one fan_out_bytes per transport, the others as a
// deliver_text each. Returns whether `except` got the echo.
bool broadcast(room_self self, const deliver_text& out, const std::string& except = {},
               bool echo = false) {
  const auto& plan = plan_for(self, out);
  net::connection_id skip = 0;
  std::size_t skip_group = plan.groups.size();
  bool skip_unrouted = false;
  bool echoed = false;
  auto m = except.empty() ? self->state.members.end() : self->state.members.find(except);
  if (m != self->state.members.end()) {
    const auto& r = m->second.route;
    if (!r.transport) {
      skip_unrouted = true;
    } else if (echo && r.style == render_style::irc) {
      echoed = true;
    } else if (auto k = rendering_for(out, r); k.wanted) {
      skip = r.conn;
      skip_group = group_index(plan, k, r);
      // Else the sender would get its own line back (skip_group names no group).
      PARLEY_INVARIANT(skip_group < plan.groups.size(),
                       "room: a member who wants the event is in no group of the fan-out plan");
    }
  }
  for (const auto& [name, handle] : plan.unrouted)
    if (!(skip_unrouted && name == except))
      self->send(handle, out);
  send_fan_outs(self, plan, out, skip, skip_group);
  return echoed;
}

void report_population(room_self self) {
  auto& st = self->state;
  self->send(st.registry,
             room_population{st.name, st.members.size(), st.joins_seen, st.modes.secret,
                             st.topic.text});
}

// --- Invariants (util/invariant.hpp; docs/architecture.md, "Room invariants") ---

/// After every join and leave, in O(1): each member is known by its address exactly once (the
/// down handler turns a dead member's address into its name), and every member came with an
/// add_member (joins_seen counts them; the directory retires rooms by it).
void check_membership(const room_state& st) {
  PARLEY_INVARIANT(st.names_by_addr.size() == st.members.size(),
                   "room: members and the addresses it monitors differ in number");
  PARLEY_INVARIANT(st.members.size() <= st.joins_seen, "room: more members than joins seen");
}

/// After a member's entry was made or changed, in O(log members): its address leads back to
/// it, and a routed member has a connection id (0 means "skip no one" in send_fan_outs).
void check_member(const room_state& st, const std::string& name) {
  auto m = st.members.find(name);
  PARLEY_INVARIANT(m != st.members.end(), "room: a member just added or renamed is missing");
  auto a = st.names_by_addr.find(m->second.handle.address());
  PARLEY_INVARIANT(a != st.names_by_addr.end() && a->second == name,
                   "room: a member's address does not lead back to its name");
  PARLEY_INVARIANT(!m->second.route.transport || m->second.route.conn != 0,
                   "room: a member routed to a transport has no connection id");
}

void forget(room_self self, std::map<std::string, member_entry>::iterator i) {
  self->state.names_by_addr.erase(i->second.handle.address());
  self->demonitor(i->second.handle.address());
  self->state.members.erase(i);
  self->state.plans.clear();
  check_membership(self->state);
}

void drop_member(room_self self, const remove_member& x) {
  auto& st = self->state;
  auto i = st.members.find(x.name);
  if (i == st.members.end())
    return;
  auto mask = i->second.mask;
  auto account = i->second.account;
  forget(self, i);
  auto out = render_for_members({x.kind == leave_kind::part ? event_kind::parted : event_kind::quit,
                                 st.name, x.name, mask, account, x.reason});
  out.once = x.once;
  broadcast(self, out, x.name);
  report_population(self);
}

bool is_banned(const room_state& st, const std::string& mask) {
  return std::any_of(st.bans.begin(), st.bans.end(),
                     [&](const ban_mask& ban) { return ban.matches(mask); });
}

// Why `x` may not join, checked in the order classic servers check.
std::pair<refusal, std::string> join_refusal(const room_state& st, const add_member& x) {
  bool invited = st.invited.count(x.name) != 0;
  if (is_banned(st, x.mask) && !invited)
    return {refusal::banned, "you are banned from " + st.name};
  if (!st.modes.key.empty() && x.key != st.modes.key)
    return {refusal::bad_key, st.name + " needs a key"};
  if (st.modes.limit != 0 && st.members.size() >= st.modes.limit)
    return {refusal::full, st.name + " is full"};
  if (st.modes.invite_only && !invited)
    return {refusal::invite_only, st.name + " is invite-only"};
  return {refusal::none, {}};
}

join_room_result handle_add(room_self self, add_member& x) {
  auto& st = self->state;
  ++st.joins_seen;
  bool op = st.members.empty(); // the first member of an empty room runs it
  if (auto i = st.members.find(x.name); i != st.members.end()) {
    // Same name again (a reconnect that raced its own quit): the newest handle wins.
    op = i->second.op;
    forget(self, i);
  } else if (auto [why, error] = join_refusal(st, x); why != refusal::none) {
    report_population(self); // the join was seen: the directory may retire an empty room
    return {false, std::move(error), {}, {}, why, {}, false};
  } else {
    broadcast(self, render_for_members({event_kind::joined, st.name, x.name, x.mask, x.account}),
              x.name);
  }
  st.invited.erase(x.name);
  self->monitor(x.member);
  st.names_by_addr.emplace(x.member.address(), x.name);
  if (x.route.transport) // held until the joiner's connection has written the join's lines
    self->send(x.route.transport, net::hold_fan_out{x.route.conn});
  member_entry entry;
  entry.handle = std::move(x.member);
  entry.mask = std::move(x.mask);
  entry.account = std::move(x.account);
  entry.op = op;
  entry.invisible = x.invisible;
  entry.route = std::move(x.route);
  st.members.emplace(x.name, std::move(entry));
  st.plans.clear();
  check_membership(st);
  check_member(st, x.name);
  report_population(self);
  return {true,          {},       caf::actor_cast<room_actor>(self), member_list(st),
          refusal::none, st.topic, st.modes.secret};
}

// Who may post: members, unless the room is moderated or they are banned (operators and
// voiced members always may); outsiders only when the room takes outside lines (-n).
refusal post_refusal(const room_state& st, const post_line& x, const member_entry* member) {
  if (member == nullptr)
    return st.modes.no_outside || is_banned(st, x.mask) || st.modes.moderated
             ? refusal::cannot_send
             : refusal::none;
  const auto& m = *member;
  if (m.op || m.voice)
    return refusal::none;
  if (st.modes.moderated || is_banned(st, m.mask))
    return refusal::cannot_send;
  return refusal::none;
}

post_line_result handle_post(room_self self, post_line& x) {
  auto& st = self->state;
  auto i = st.members.find(x.sender);
  const member_entry* member = i == st.members.end() ? nullptr : &i->second;
  if (auto why = post_refusal(st, x, member); why != refusal::none)
    return {why};
  const auto& mask = member != nullptr ? member->mask : x.mask;
  const auto& account = member != nullptr ? member->account : x.account;
  auto kind = x.kind == line_kind::action   ? event_kind::acted
              : x.kind == line_kind::notice ? event_kind::noticed
                                            : event_kind::said;
  auto out = render_for_members({kind, st.name, x.sender, mask, account, x.line});
  bool echoed = broadcast(self, out, x.sender, x.echo);
  return {refusal::none, echoed};
}

// --- Administration ---

/// The requester's standing: a member, a room operator, a server operator.
struct standing {
  const member_entry* member;
  bool may_manage;
};

standing standing_of(const room_state& st, const std::string& by, bool oper) {
  auto i = st.members.find(by);
  const member_entry* m = i == st.members.end() ? nullptr : &i->second;
  return {m, oper || (m != nullptr && m->op)};
}

/// An event of a change `by` made (MODE, TOPIC, KICK): it shows the member's mask and account,
/// or, for a server operator acting from outside, the mask (its bare name if none came) and
/// account it sent. The views point into the request and the room's state.
room_event change_event(event_kind kind, const room_state& st, const standing& who,
                        const std::string& by, const std::string& mask,
                        const std::string& account) {
  room_event ev{kind, st.name, by, by, account};
  if (who.member != nullptr) {
    ev.mask = who.member->mask;
    ev.account = who.member->account;
  } else if (!mask.empty()) {
    ev.mask = mask;
  }
  return ev;
}

/// A change made by a member or a server operator: every member sees it, and so does a server
/// operator who made it from outside the room, as a member would (it is sent to the requester
/// before the answer, so it comes first there too).
void announce_change(room_self self, const standing& who, const room_event& ev) {
  auto out = render_for_members(ev);
  broadcast(self, out);
  if (who.member == nullptr)
    if (auto requester = caf::actor_cast<member_actor>(self->current_sender()))
      self->send(requester, out);
}

/// Records a change that took effect, with its argument as members are shown it.
void made(std::vector<mode_change>& done, bool add, room_setting s, std::string arg = {}) {
  done.push_back({add, s, std::move(arg)});
}

refusal apply_member_mode(room_state& st, const mode_change& c, std::vector<mode_change>& done) {
  if (c.arg.empty())
    return refusal::missing_argument;
  auto name = protocol::normalize_user_name(c.arg);
  auto i = name ? st.members.find(*name) : st.members.end();
  if (i == st.members.end())
    return refusal::no_such_member;
  bool& flag = c.setting == room_setting::op ? i->second.op : i->second.voice;
  if (flag != c.add) {
    flag = c.add;
    made(done, c.add, c.setting, i->first);
  }
  return refusal::none;
}

refusal apply_ban(room_state& st, const mode_change& c, std::vector<mode_change>& done) {
  ban_mask mask{c.arg};
  auto i = std::find(st.bans.begin(), st.bans.end(), mask);
  if (c.add && i == st.bans.end() && st.bans.size() < max_bans) {
    st.bans.push_back(mask);
    made(done, true, room_setting::ban, mask.str());
  } else if (!c.add && i != st.bans.end()) {
    st.bans.erase(i);
    made(done, false, room_setting::ban, mask.str());
  }
  return refusal::none;
}

// A key is set once: another needs the old one unset first (as classic servers do). Members
// see an unset key as "*".
refusal apply_key(room_modes& m, const mode_change& c, std::vector<mode_change>& done) {
  if (!c.add) {
    if (!m.key.empty())
      made(done, false, room_setting::key, "*");
    m.key.clear();
    return refusal::none;
  }
  if (c.arg.empty())
    return refusal::missing_argument;
  if (!m.key.empty())
    return refusal::key_set;
  m.key = c.arg;
  made(done, true, room_setting::key, c.arg);
  return refusal::none;
}

refusal apply_limit(room_modes& m, const mode_change& c, std::vector<mode_change>& done) {
  if (!c.add) {
    if (m.limit != 0)
      made(done, false, room_setting::limit);
    m.limit = 0;
    return refusal::none;
  }
  auto n = std::strtoul(c.arg.c_str(), nullptr, 10);
  if (c.arg.empty() || n == 0 || n > 1000000)
    return refusal::missing_argument;
  m.limit = static_cast<std::uint32_t>(n);
  made(done, true, room_setting::limit, std::to_string(n));
  return refusal::none;
}

refusal apply_mode(room_state& st, const mode_change& c, std::vector<mode_change>& done) {
  if (bool* flag = flag_of(st.modes, c.setting)) {
    if (*flag != c.add) {
      *flag = c.add;
      made(done, c.add, c.setting);
    }
    return refusal::none;
  }
  switch (c.setting) {
    case room_setting::key: return apply_key(st.modes, c, done);
    case room_setting::limit: return apply_limit(st.modes, c, done);
    case room_setting::op:
    case room_setting::voice: return apply_member_mode(st, c, done);
    case room_setting::ban: return apply_ban(st, c, done);
    default: return refusal::unknown_mode;
  }
}

change_modes_result handle_modes(room_self self, change_modes& x) {
  auto& st = self->state;
  auto who = standing_of(st, x.by, x.oper);
  change_modes_result result;
  std::vector<mode_change> done;
  for (const auto& c : x.changes) {
    if (c.setting == room_setting::ban && c.arg.empty()) { // a ban list query: anyone may ask
      result.bans.clear();
      for (const auto& ban : st.bans)
        result.bans.push_back(ban.str());
      continue;
    }
    refusal why = who.member == nullptr && !x.oper ? refusal::not_member
                  : !who.may_manage                ? refusal::not_operator
                                                   : apply_mode(st, c, done);
    if (why != refusal::none)
      result.refused.push_back({why, c.setting, c.arg});
  }
  if (std::any_of(done.begin(), done.end(),
                  [](const mode_change& c) { return c.setting == room_setting::secret; }))
    report_population(self); // room lists hide secret rooms
  if (!done.empty()) {
    auto ev = change_event(event_kind::modes_set, st, who, x.by, x.mask, x.account);
    ev.changes = &done;
    announce_change(self, who, ev);
  }
  return result;
}

set_topic_result handle_topic(room_self self, set_topic& x) {
  auto& st = self->state;
  auto who = standing_of(st, x.by, x.oper);
  if (who.member == nullptr && !x.oper)
    return {refusal::not_member};
  if (st.modes.topic_lock && !who.may_manage)
    return {refusal::not_operator};
  st.topic = {x.topic, x.by, x.time_s};
  report_population(self); // room lists show the topic
  auto ev = change_event(event_kind::topic_set, st, who, x.by, x.mask, x.account);
  ev.text = x.topic;
  announce_change(self, who, ev);
  return {refusal::none};
}

kick_member_result handle_kick(room_self self, kick_member& x) {
  auto& st = self->state;
  auto who = standing_of(st, x.by, x.oper);
  if (who.member == nullptr && !x.oper)
    return {refusal::not_member};
  if (!who.may_manage)
    return {refusal::not_operator};
  auto i = st.members.find(x.target);
  if (i == st.members.end())
    return {refusal::no_such_member};
  auto reason = x.reason.empty() ? x.by : x.reason;
  // Everyone sees the kick, the kicked member too, before it is removed.
  auto ev = change_event(event_kind::kicked, st, who, x.by, x.mask, x.account);
  ev.target = x.target;
  ev.text = reason;
  announce_change(self, who, ev);
  auto target = i->second.handle;
  forget(self, i);
  self->send(target, member_removed{st.name});
  report_population(self);
  return {refusal::none};
}

invite_member_result handle_invite(room_self self, invite_member& x) {
  auto& st = self->state;
  auto who = standing_of(st, x.by, x.oper);
  if (who.member == nullptr && !x.oper)
    return {refusal::not_member};
  if (st.members.count(x.target))
    return {refusal::already_member};
  if (st.modes.invite_only && !who.may_manage)
    return {refusal::not_operator};
  if (st.invited.size() < max_invitations)
    st.invited.insert(x.target);
  return {refusal::none};
}

rename_member_result handle_rename(room_self self, rename_member& x) {
  auto& st = self->state;
  auto i = st.members.find(x.name);
  if (i == st.members.end() || st.members.count(x.new_name))
    return {};
  auto entry = std::move(i->second);
  auto old_mask = entry.mask;
  st.members.erase(i);
  entry.mask = x.new_mask;
  st.names_by_addr[entry.handle.address()] = x.new_name;
  const auto& renamed = st.members.emplace(x.new_name, std::move(entry)).first->second;
  st.plans.clear();
  check_membership(st);
  check_member(st, x.new_name);
  room_event ev{event_kind::renamed, st.name, x.name, old_mask, renamed.account};
  ev.target = x.new_name;
  auto out = render_for_members(ev);
  out.once = x.once;
  broadcast(self, out, x.new_name);
  return {};
}

void handle_invisible(room_self self, const set_invisible& x) {
  if (auto i = self->state.members.find(x.name); i != self->state.members.end())
    i->second.invisible = x.invisible;
}

void handle_away(room_self self, set_away& x) {
  auto& st = self->state;
  auto i = st.members.find(x.name);
  if (i == st.members.end())
    return;
  i->second.away = !x.message.empty();
  auto out = render_for_members(
    {event_kind::away, st.name, x.name, i->second.mask, i->second.account, x.message});
  out.once = x.once;
  broadcast(self, out, x.name);
}

// A new rendering for a member the room already writes to directly (IRC CAP REQ). A member
// that joined without a route keeps getting deliver_text: switching it now could let a direct
// write overtake one its connection has not passed on yet.
void handle_route(room_self self, set_delivery_route& x) {
  auto& st = self->state;
  auto i = st.members.find(x.name);
  // Only the member's own connection may change its route (not a stale one of the same name).
  if (i == st.members.end() || i->second.handle.address() != self->current_sender() ||
      !i->second.route.transport || i->second.route.transport != x.route.transport ||
      i->second.route.conn != x.route.conn)
    return;
  i->second.route = std::move(x.route);
  st.plans.clear();
  check_member(st, x.name);
}

} // namespace

// Each protocol renders the event once; every member of that protocol shares the buffer.
deliver_text render_for_members(const protocol::room_event& ev) {
  auto shared = [](std::string s) { return s.empty() ? shared_text{} : shared_text{std::move(s)}; };
  deliver_text out{shared(protocol::text::render_line(ev)), shared(irc::render_irc(ev))};
  out.account = std::string{ev.account};
  out.to = ev.kind == event_kind::away ? audience::away_notify : audience::everyone;
  return out;
}

room_actor::behavior_type room_behavior(room_self self, std::string name,
                                        room_registry_actor registry, trace::tracer* tracer) {
  trace::attach(self, tracer, "room/" + name);
  self->state.name = std::move(name);
  self->state.registry = std::move(registry);
  // A member that dies without parting (crash, lost connection) quits the room.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto i = self->state.names_by_addr.find(dm.source);
    if (i != self->state.names_by_addr.end()) {
      auto who = i->second;
      auto m = self->state.members.find(who);
      PARLEY_INVARIANT(m != self->state.members.end() && m->second.handle.address() == dm.source,
                       "room: a monitored address leads to a member with another handle");
      drop_member(self, remove_member{who, leave_kind::quit, "connection lost"});
    }
  });
  return {
    [self](add_member& x) -> join_room_result { return handle_add(self, x); },
    [self](remove_member& x) -> remove_member_result {
      drop_member(self, x);
      return {};
    },
    [self](post_line& x) { return handle_post(self, x); },
    [self](list_members&) -> list_members_result {
      return {member_list(self->state), self->state.modes.secret};
    },
    [self](change_modes& x) { return handle_modes(self, x); },
    [self](set_topic& x) { return handle_topic(self, x); },
    [self](kick_member& x) { return handle_kick(self, x); },
    [self](invite_member& x) { return handle_invite(self, x); },
    [self](rename_member& x) { return handle_rename(self, x); },
    [self](set_away& x) { handle_away(self, x); },
    [self](set_invisible& x) { handle_invisible(self, x); },
    [self](set_delivery_route& x) { handle_route(self, x); },
    [self](get_room_info&) -> get_room_info_result {
      return {self->state.modes, self->state.topic};
    },
    [self](close_room&) {
      // The directory only closes an empty room with no join in flight.
      if (self->state.members.empty())
        self->quit();
    },
  };
}

room_actor spawn_room(caf::actor_system& sys, std::string name, room_registry_actor registry,
                      trace::tracer* tracer) {
  return sys.spawn(room_behavior, std::move(name), std::move(registry), tracer);
}

} // namespace parley
