// Random IRC clients (see random_irc_client.hpp).
#include "sim/random_irc_client.hpp"

#include <algorithm>

namespace parley::sim {

// --- Reading server lines ---

std::string irc_line::nick() const {
  auto bang = prefix.find('!');
  return bang == std::string::npos ? std::string{} : prefix.substr(0, bang);
}

const std::string& irc_line::param(std::size_t i) const {
  static const std::string none;
  return i < params.size() ? params[i] : none;
}

irc_line split_irc_line(const std::string& line) {
  irc_line m;
  std::size_t pos = 0;
  auto word = [&] {
    while (pos < line.size() && line[pos] == ' ')
      ++pos;
    auto end = line.find(' ', pos);
    if (end == std::string::npos)
      end = line.size();
    auto w = line.substr(pos, end - pos);
    pos = end;
    return w;
  };
  if (!line.empty() && line[0] == ':') {
    ++pos;
    m.prefix = word();
  }
  m.command = word();
  for (;;) {
    while (pos < line.size() && line[pos] == ' ')
      ++pos;
    if (pos >= line.size())
      break;
    if (line[pos] == ':') {
      m.params.push_back(line.substr(pos + 1));
      break;
    }
    m.params.push_back(word());
  }
  return m;
}

std::vector<irc_mode_change> split_irc_modes(const irc_line& m) {
  std::vector<irc_mode_change> out;
  bool plus = true;
  std::size_t next_arg = 2;
  for (char c : m.param(1)) {
    if (c == '+' || c == '-') {
      plus = c == '+';
      continue;
    }
    irc_mode_change x{plus, c, {}};
    bool takes = c == 'o' || c == 'v' || c == 'b' || c == 'k' || (c == 'l' && plus);
    if (takes && next_arg < m.params.size())
      x.arg = m.params[next_arg++];
    out.push_back(std::move(x));
  }
  return out;
}

// --- The run's action weights (swarm testing) ---

namespace {

// Per mille of a step, in the order of irc_action; docs/simulation.md shows the same table.
const std::vector<unsigned> default_weights = {
  220, // say (270 until oper and kill took 50: the shares still add up to 1000)
  40,  // action
  30,  // notice
  100, // probe
  70,  // join
  40,  // part
  10,  // join_zero
  60,  // private_msg
  30,  // query
  40,  // bad_input
  70,  // burst
  10,  // quit
  10,  // disconnect
  30,  // nick
  30,  // kick
  60,  // mode
  20,  // topic
  20,  // invite
  20,  // away
  30,  // pipeline
  20,  // oper (a no-op unless its nick is an operator account, or now and then)
  30,  // kill (a no-op unless it is operator)
  10,  // idle
};

const char* const action_names[] = {
  "say",  "action", "notice", "probe", "join",   "part",  "join-zero", "private-msg", "query",
  "bad-input", "burst", "quit", "disconnect", "nick", "kick", "mode", "topic", "invite", "away",
  "pipeline", "oper", "kill", "idle"};

bool needs_channel(irc_action a) {
  switch (a) {
    case irc_action::say:
    case irc_action::action:
    case irc_action::notice:
    case irc_action::probe:
    case irc_action::part:
    case irc_action::join_zero:
    case irc_action::burst:
    case irc_action::kick:
    case irc_action::mode:
    case irc_action::topic:
    case irc_action::invite: return true;
    default: return false;
  }
}

// The channel key every random client knows: joins sometimes offer it, +k sets it.
const std::string channel_key = "k3y";

} // namespace

const char* irc_action_name(irc_action a) { return action_names[static_cast<unsigned>(a)]; }

const std::vector<unsigned>& irc_default_weights() { return default_weights; }

std::vector<unsigned> irc_swarm_weights(std::uint64_t seed) {
  // A stream of its own, from the run's seed alone: the run's other draws stay as they were.
  prng rng{seed ^ 0x1bc5a7f3e2d94c61ull};
  std::vector<unsigned> w(default_weights.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool on = i == static_cast<std::size_t>(irc_action::idle) || rng.chance(800);
    w[i] = on ? static_cast<unsigned>(rng.between(1, 2 * default_weights[i])) : 0;
  }
  return w;
}

// --- The client ---

namespace {

std::string room_of_irc_channel(const std::string& channel) {
  return channel.size() > 1 && channel[0] == '#' ? channel.substr(1) : channel;
}

std::string base64(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(chars[(buf >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(chars[(buf << (6 - bits)) & 63]);
  while (out.size() % 4 != 0)
    out.push_back('=');
  return out;
}

} // namespace

std::string random_irc_client::sasl_plain(const std::string& account, const std::string& password) {
  return base64(std::string{"\0", 1} + account + std::string{"\0", 1} + password);
}

random_irc_client::random_irc_client(world& w, int index, prng rng, const client_mix& mix,
                                     fault_plan& faults)
  : w_(w), index_(index), rng_(rng), mix_(mix), faults_(faults) {}

void random_irc_client::start(vtime at, vtime until) {
  until_ = until;
  w_.events().at(at, [this] {
    new_session();
    schedule_tick();
  });
}

void random_irc_client::new_session() {
  session s;
  s.irc = true;
  s.endpoint = std::make_unique<client>(w_, "i" + std::to_string(index_) + "." +
                                              std::to_string(sessions_.size()));
  s.endpoint->connect(irc_endpoint);
  sessions_.push_back(std::move(s));
  started_ = registered_ = cap_open_ = stalled_ = oper_ = false;
  sasl_ = sasl_step::none;
  nick_.clear();
  sasl_account_.clear();
  channels_.clear();
  sentinel_.clear();
  parting_.clear();
  members_.clear();
  op_in_.clear();
  modes_.clear();
  status_.clear();
  flood_counted_ = 0;
  flood_clock_ = vtime{0};
  bans_.clear();
}

void random_irc_client::schedule_tick() {
  auto lo = static_cast<std::uint64_t>(mix_.min_think.count());
  auto hi = static_cast<std::uint64_t>(mix_.max_think.count());
  w_.events().at(w_.now() + vtime{static_cast<vtime::rep>(rng_.between(lo, hi))},
                 [this] { tick(); });
}

void random_irc_client::tick() {
  if (gone_)
    return;
  read_lines();
  auto& ep = *current().endpoint;
  bool accepted = ep.id() != 0 && w_.net().view(ep.id()).accepted;
  bool ended = ep.closed_by_server() || ep.refused() || !ep.connected();
  if (ended && (ep.refused() || accepted)) {
    // This session is over: maybe come back later as a new one.
    if (w_.now() < until_ && rng_.chance(700))
      new_session();
    else if (w_.now() >= until_) {
      gone_ = true;
      return;
    }
  } else if (w_.now() < until_ && !faults_tick()) {
    if (!started_ && accepted)
      begin_registration();
    else if (registered_ && sentinel_.empty())
      act();
  }
  if (w_.now() < until_)
    schedule_tick();
}

void random_irc_client::read_lines() {
  for (const auto& line : current().endpoint->take_new_lines())
    on_line(line);
}

bool random_irc_client::faults_tick() {
  return client_faults_tick(w_, current(), faults_, rng_, stalled_);
}

// --- Registration ---

void random_irc_client::begin_registration() {
  started_ = true;
  auto& s = current();
  auto& ep = *s.endpoint;
  // Mostly a nick from the shared pool (taken, reserved or free); now and then an invalid one.
  nick_ = rng_.chance(30) ? std::string{"9bad"} : mix_.names[rng_.below(mix_.names.size())];
  s.name = nick_;
  bool cap = rng_.chance(500);
  bool sasl = rng_.chance(cap ? 600 : 100);
  bool echo = cap && rng_.chance(500);
  bool pass = !sasl && rng_.chance(100);
  if (cap) {
    ep.send_line(rng_.chance(500) ? "CAP LS 302" : "CAP LS");
    cap_open_ = true;
    std::string caps = sasl ? "sasl" : "";
    if (echo)
      caps += caps.empty() ? "echo-message" : " echo-message";
    // Capabilities that add no tags to lines (the oracle reads untagged lines): others' AWAY
    // changes, and every prefix of a member in 353.
    for (const char* cap : {"away-notify", "multi-prefix"})
      if (rng_.chance(300))
        caps += std::string{caps.empty() ? "" : " "} + cap;
    if (rng_.chance(100))
      caps += caps.empty() ? "draft/no-such-cap" : " draft/no-such-cap"; // NAKed, all of it
    if (!caps.empty())
      ep.send_line("CAP REQ :" + caps);
  }
  if (sasl) {
    // Usually the account of the nick; sometimes another one (the nick is then not ours).
    sasl_account_ = rng_.chance(900) ? nick_ : mix_.names[rng_.below(mix_.names.size())];
    ep.send_line("AUTHENTICATE PLAIN");
    sasl_ = sasl_step::want_plus;
    // Without a CAP negotiation nothing holds registration back: the payload must come first.
    if (!cap || rng_.chance(500))
      send_sasl_payload();
  }
  if (pass)
    ep.send_line("PASS " + (rng_.chance(200) ? std::string{"wrong-password"}
                                             : random_client::password_for(nick_)));
  auto user = "USER " + nick_ + " 0 * :Random user " + std::to_string(index_);
  if (rng_.chance(500)) {
    ep.send_line("NICK " + nick_);
    ep.send_line(user);
  } else {
    ep.send_line(user);
    ep.send_line("NICK " + nick_);
  }
  if (cap && !sasl && rng_.chance(500))
    end_cap(); // pipelined; otherwise it follows the server's CAP LS reply
}

void random_irc_client::send_sasl_payload() {
  auto password = rng_.chance(100) ? std::string{"wrong-password"}
                                   : random_client::password_for(sasl_account_);
  current().endpoint->send_line("AUTHENTICATE " + sasl_plain(sasl_account_, password));
  sasl_ = sasl_step::sent_payload;
}

void random_irc_client::end_cap() {
  current().endpoint->send_line("CAP END");
  cap_open_ = false;
}

void random_irc_client::retry_nick(bool same) {
  auto& s = current();
  if (!same)
    nick_ = mix_.names[rng_.below(mix_.names.size())];
  s.name = nick_;
  s.endpoint->send_line("NICK " + nick_);
}

void random_irc_client::on_line(const std::string& line) {
  auto& s = current();
  auto m = split_irc_line(line);
  const auto& c = m.command;
  if (registered_)
    track_members(m);
  if (c == "001") {
    registered_ = s.logged_in = true;
    s.name = m.param(0);
    // An IRC client starts in no channel: join one (mostly the lobby).
    auto room = rng_.chance(700) ? std::string{"lobby"} : mix_.rooms[rng_.below(mix_.rooms.size())];
    membership("JOIN #" + room);
  } else if (c == "AUTHENTICATE" && m.param(0) == "+") {
    if (sasl_ == sasl_step::want_plus)
      send_sasl_payload();
  } else if (c == "903" || c == "904" || c == "906" || c == "907") {
    sasl_ = sasl_step::done;
    if (cap_open_ && !registered_)
      end_cap();
  } else if (c == "CAP" && m.param(1) == "LS") {
    if (cap_open_ && (sasl_ == sasl_step::none || sasl_ == sasl_step::done))
      end_cap();
  } else if ((c == "432" || c == "433") && !registered_) {
    retry_nick(false);
  } else if (c == "464" && !registered_) {
    s.endpoint->send_line("QUIT :wrong password");
  } else if (c == "FAIL") {
    // The server could not complete a request (an injected authentication or room fault).
    if (!registered_ && (m.param(0) == "NICK" || m.param(0) == "PASS"))
      retry_nick(true);
    else if (m.param(0) == "PART" && !parting_.empty()) {
      channels_.erase(parting_); // the connection forgot the channel before asking the room
      ++room_epoch_;
    }
  } else if (c == "NICK" && registered_ && m.nick() == s.name) {
    // Its own rename took effect: from now on it speaks as the new nick.
    s.name = nick_ = m.param(0);
  } else if (c == "381") {
    oper_ = true; // a server operator from now on (until "MODE me -o")
  } else if (c == "MODE" && registered_ && m.param(0) == s.name && m.param(1) == "-o") {
    oper_ = false;
  } else if (c == "KICK" && registered_ && m.param(1) == s.name) {
    on_own_kick(room_of_irc_channel(m.param(0)));
  } else if ((c == "JOIN" || c == "PART") && registered_ && m.nick() == s.name) {
    auto room = room_of_irc_channel(m.param(0));
    if (c == "JOIN")
      channels_.insert(room);
    else
      channels_.erase(room);
    ++room_epoch_;
  } else if (c == "PING") {
    // The server checks an idle client is still there: answer like any client does.
    s.endpoint->send_line("PONG :" + m.param(0));
  } else if (c == "PONG") {
    if (!sentinel_.empty() && m.params.size() > 1 && m.params.back() == sentinel_) {
      sentinel_.clear();
      parting_.clear();
    }
  }
}

void random_irc_client::on_own_kick(const std::string& room) {
  // Out of the channel from this line on, whatever it was doing: the room has forgotten it.
  channels_.erase(room);
  members_.erase(room);
  op_in_.erase(room);
  bans_.erase(room);
  modes_.erase(room);
  status_.erase(room);
  ++room_epoch_;
}

// Who is in its channels, whether it is operator there and which bans it saw, as far as the
// lines it received tell (targets for KICK, MODE, INVITE and private messages).
void random_irc_client::track_members(const irc_line& m) {
  const auto& me = current().name;
  const auto& c = m.command;
  auto who = m.nick();
  auto room = room_of_irc_channel(m.param(0));
  if (c == "353") {
    auto& names = members_[room_of_irc_channel(m.param(2))];
    std::size_t pos = 0;
    const auto& list = m.param(3);
    while (pos < list.size()) {
      auto sp = std::min(list.find(' ', pos), list.size());
      auto name = list.substr(pos, sp - pos);
      pos = sp + 1;
      bool op = !name.empty() && name[0] == '@';
      std::string prefixes;
      while (!name.empty() && (name[0] == '@' || name[0] == '+')) {
        prefixes += name[0] == '@' ? 'o' : 'v';
        name.erase(0, 1);
      }
      for (char p : prefixes)
        status_[room_of_irc_channel(m.param(2))].insert(p + name);
      names.insert(name);
      if (op && name == me)
        op_in_.insert(room_of_irc_channel(m.param(2)));
    }
  } else if (c == "JOIN" && !who.empty()) {
    if (who == me) {
      members_[room].clear();
      status_[room].clear();
      modes_[room] = {'n', 't'}; // a new room's; it learns others' changes from now on
    }
    members_[room].insert(who);
  } else if (c == "PART" && !who.empty()) {
    if (who == me) {
      members_.erase(room);
      op_in_.erase(room);
      bans_.erase(room);
      modes_.erase(room);
      status_.erase(room);
    } else {
      members_[room].erase(who);
      status_[room].erase("o" + who);
      status_[room].erase("v" + who);
    }
  } else if (c == "KICK") {
    members_[room].erase(m.param(1));
    status_[room].erase("o" + m.param(1));
    status_[room].erase("v" + m.param(1));
  } else if ((c == "QUIT" || c == "NICK") && !who.empty()) {
    for (auto& [r, names] : members_)
      if (names.erase(who) > 0 && c == "NICK")
        names.insert(m.param(0));
    for (auto& [r, status] : status_) // a renamed member keeps its @ and +
      for (const char* p : {"o", "v"})
        if (status.erase(p + who) > 0 && c == "NICK")
          status.insert(p + m.param(0));
  } else if (c == "MODE" && !room.empty() && m.param(0)[0] == '#') {
    for (const auto& x : split_irc_modes(m)) {
      if (x.mode == 'o' && x.arg == me)
        x.plus ? (void)op_in_.insert(room) : (void)op_in_.erase(room);
      else if (x.mode == 'b')
        x.plus ? (void)bans_[room].insert(x.arg) : (void)bans_[room].erase(x.arg);
      if (x.mode == 'o' || x.mode == 'v')
        x.plus ? (void)status_[room].insert(x.mode + x.arg)
               : (void)status_[room].erase(x.mode + x.arg);
      else if (x.mode != 'b')
        x.plus ? (void)modes_[room].insert(x.mode) : (void)modes_[room].erase(x.mode);
    }
  }
}

// --- After registration ---

std::string random_irc_client::pick_channel() {
  auto i = channels_.begin();
  std::advance(i, static_cast<std::ptrdiff_t>(rng_.below(channels_.size())));
  return *i;
}

void random_irc_client::probe(bool sentinel) {
  auto& s = current();
  auto token = (sentinel ? "j" : "p") + std::to_string(index_) + "." + std::to_string(next_tag_++);
  s.probes.push_back({s.endpoint->sent().size(), {}, room_epoch_, token});
  s.endpoint->send_line("PING " + token);
  if (sentinel)
    sentinel_ = token;
}

void random_irc_client::membership(const std::string& command) {
  current().endpoint->send_line(command);
  probe(true);
}

void random_irc_client::chat(const std::string& kind) {
  auto room = pick_channel();
  auto tag = "m" + std::to_string(index_) + "." + std::to_string(next_tag_++);
  std::string text = tag;
  for (auto n = rng_.between(1, 6); n > 0; --n)
    text += " " + chat_words()[rng_.below(chat_words().size())];
  ++chat_lines_;
  auto& s = current();
  s.chats.push_back({s.endpoint->sent().size(), room, room_epoch_, tag});
  if (kind == "action")
    s.endpoint->send_line("PRIVMSG #" + room + " :\x01" "ACTION " + text + "\x01");
  else if (kind == "notice")
    s.endpoint->send_line("NOTICE #" + room + " :" + text);
  else
    s.endpoint->send_line("PRIVMSG #" + room + " :" + text);
}

void random_irc_client::query() {
  auto& ep = *current().endpoint;
  auto channel = "#" + (channels_.empty() ? std::string{"lobby"} : pick_channel());
  auto nick = mix_.names[rng_.below(mix_.names.size())];
  switch (rng_.below(10)) {
    case 0: ep.send_line("NAMES " + channel); break;
    case 1: ep.send_line("WHO " + channel); break;
    case 2: ep.send_line("LIST"); break;
    case 3: ep.send_line("WHOIS " + nick); break;
    case 4: ep.send_line("WHOIS " + current().name); break;
    case 5: ep.send_line("MODE " + channel); break;
    case 6: ep.send_line("TOPIC " + channel); break;
    case 7: ep.send_line("MOTD"); break;
    case 8: ep.send_line("CAP LIST"); break;
    default: ep.send_line("VERSION"); break;
  }
}

void random_irc_client::bad_input() {
  auto& ep = *current().endpoint;
  switch (rng_.below(12)) {
    case 0: ep.send_raw("PRIVMSG #lobby :" + std::string(600 + rng_.below(2000), 'x') + "\r\n"); break;
    case 1: ep.send_line("FOOBAR baz"); break;             // 421
    case 2: ep.send_raw("12345 not a command\r\n"); break;  // ERROR :Malformed line
    case 3: ep.send_line("PRIVMSG"); break;                 // 411
    case 4: ep.send_line("PRIVMSG #nowhere :hello"); break; // 403 (no such channel)
    case 5: ep.send_raw(std::string("PING nul\0byte\r\n", 15)); break;
    case 6: ep.send_raw("\r\n"); break;
    case 7: ep.send_raw("VERSION\r"); break;                // a lone CR ends the line
    case 8: ep.send_line("NICK 9lives"); break;             // 432: not a valid nick
    case 9: ep.send_line("USER again 0 * :again"); break;   // 462
    case 10: ep.send_line("JOIN lobby"); break;             // 403: no '#'
    default: ep.send_line("PING"); break;                   // 461
  }
}

irc_action random_irc_client::draw_action() {
  const auto& w = mix_.irc_weights.empty() ? default_weights : mix_.irc_weights;
  std::uint64_t total = 0;
  for (auto x : w)
    total += x;
  auto roll = rng_.below(std::max<std::uint64_t>(total, 1));
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (roll < w[i])
      return static_cast<irc_action>(i);
    roll -= w[i];
  }
  return irc_action::idle;
}

// Like real IRC clients, it keeps to the server's flood control (docs/protocol-irc.md, the
// defaults: each line costs 500 ms, 10 s of burst): it estimates the server's "message time"
// from what it sent, and lets a step pass while that is more than 12 s ahead, so a few lines
// wait in the server's flood queue now and then but its final PING is answered within seconds.
// (A client that outran the limit for a minute would have its PING wait longer than the quiet
// phase, by the server's design.)
bool random_irc_client::flooding() {
  const auto& sent = current().endpoint->sent();
  for (; flood_counted_ < sent.size(); ++flood_counted_)
    flood_clock_ = std::max(flood_clock_, sent[flood_counted_].t) + std::chrono::milliseconds{500};
  return flood_clock_ > w_.now() + std::chrono::seconds{12};
}

void random_irc_client::act() {
  if (flooding())
    return;
  auto a = draw_action();
  // In no channel, what needs one turns into a join (whatever the run's weight for joins).
  if (needs_channel(a) && channels_.empty())
    a = irc_action::join;
  perform(a);
}

void random_irc_client::perform(irc_action a) {
  auto& ep = *current().endpoint;
  switch (a) {
    case irc_action::say: chat("say"); break;
    case irc_action::action: chat("action"); break;
    case irc_action::notice: chat("notice"); break;
    case irc_action::probe: probe(false); break;
    case irc_action::join: join_some_room(); break;
    case irc_action::part:
      parting_ = pick_channel();
      membership(rng_.chance(500) ? "PART #" + parting_ : "PART #" + parting_ + " :see you");
      break;
    case irc_action::join_zero: membership("JOIN 0"); break;
    case irc_action::private_msg: private_message(); break;
    case irc_action::query: query(); break;
    case irc_action::bad_input: bad_input(); break;
    case irc_action::burst:
      for (auto n = rng_.between(2, 8); n > 0; --n) // pipelined
        chat("say");
      break;
    case irc_action::quit: ep.send_line(rng_.chance(500) ? "QUIT :bye" : "QUIT"); break;
    case irc_action::disconnect: ep.disconnect(); break;
    case irc_action::nick: change_nick(); break;
    case irc_action::kick: kick(); break;
    case irc_action::mode: change_mode(); break;
    case irc_action::topic: set_topic(); break;
    case irc_action::invite: invite(); break;
    case irc_action::away: away(); break;
    case irc_action::pipeline: pipeline(); break;
    case irc_action::oper: oper(); break;
    case irc_action::kill: kill(); break;
    default: break; // idle: stay quiet this time
  }
}

void random_irc_client::join_some_room() {
  std::vector<std::string> out;
  for (const auto& r : mix_.rooms)
    if (!channels_.count(r))
      out.push_back(r);
  if (out.empty())
    return;
  auto a = out[rng_.below(out.size())];
  auto b = out[rng_.below(out.size())];
  auto command = rng_.chance(200) && a != b ? "JOIN #" + a + ",#" + b : "JOIN #" + a;
  if (rng_.chance(300)) // the key, in case the channel is +k
    command += " " + channel_key;
  membership(command);
}

// A member of `room` other than itself, as far as it knows; else any name of the pool.
std::string random_irc_client::other_member(const std::string& room) {
  std::vector<std::string> others;
  if (auto i = members_.find(room); i != members_.end())
    for (const auto& n : i->second)
      if (n != current().name)
        others.push_back(n);
  if (others.empty() || rng_.chance(100))
    return mix_.names[rng_.below(mix_.names.size())];
  return others[rng_.below(others.size())];
}

// A channel to manage: mostly one where it is operator (else 482 is the answer).
std::string random_irc_client::managed_channel() {
  std::vector<std::string> mine;
  for (const auto& r : op_in_)
    if (channels_.count(r))
      mine.push_back(r);
  if (!mine.empty() && rng_.chance(850))
    return mine[rng_.below(mine.size())];
  return pick_channel();
}

void random_irc_client::change_nick() {
  // Another name of the pool (taken or reserved ones get 433); it takes effect with its echo.
  auto nick = mix_.names[rng_.below(mix_.names.size())];
  if (nick != current().name)
    membership("NICK " + nick);
}

void random_irc_client::kick() {
  auto room = managed_channel();
  auto target = other_member(room);
  if (target == current().name)
    return; // a kick of itself would change its membership behind its sentinel's back
  current().endpoint->send_line("KICK #" + room + " " + target +
                                (rng_.chance(500) ? std::string{} : " :behave"));
}

// One change for a MODE line: its letter with its sign, and its argument (if any).
std::pair<std::string, std::string> random_irc_client::pick_mode_change(const std::string& room) {
  // Modes that keep people out stay off the lobby: it is never retired, so an operator who
  // left it +i or +k would keep everyone out for the rest of the run.
  std::string letters = room == "lobby" ? "ovmtns" : "ovmtnsiklb";
  const auto& status = status_[room];
  // Often it undoes something it knows is set (operators clean up after themselves); otherwise
  // any letter.
  std::string undo;
  for (char c : letters)
    if (modes_[room].count(c) || (c == 'b' && !bans_[room].empty()) ||
        ((c == 'o' || c == 'v') &&
         std::any_of(status.begin(), status.end(),
                     [&](const auto& x) { return x[0] == c && x.substr(1) != current().name; })))
      undo += c == 'v' ? "vv" : std::string{c}; // voice comes and goes more than the rest
  auto mode = !undo.empty() && rng_.chance(400) ? undo[rng_.below(undo.size())]
                                                 : letters[rng_.below(letters.size())];
  // Mostly the change that changes something, as far as it knows the channel (a change that
  // changes nothing is not shown).
  bool set = mode == 'b' ? !bans_[room].empty()
             : mode == 'o' || mode == 'v'
               ? std::any_of(status.begin(), status.end(), [&](const auto& x) { return x[0] == mode; })
               : modes_[room].count(mode) != 0;
  auto sign = rng_.chance(750) != set ? '+' : '-';
  auto pick = [&](const auto& from) {
    auto i = from.begin();
    std::advance(i, static_cast<std::ptrdiff_t>(rng_.below(from.size())));
    return *i;
  };
  std::string arg;
  if ((mode == 'o' || mode == 'v') && sign == '-' && set) {
    std::vector<std::string> having;
    for (const auto& x : status)
      if (x[0] == mode)
        having.push_back(x.substr(1));
    arg = pick(having);
  } else if (mode == 'o' || mode == 'v') {
    arg = other_member(room);
  } else if (mode == 'k' && sign == '+') {
    arg = channel_key;
  } else if (mode == 'l' && sign == '+') {
    arg = std::to_string(rng_.between(1, 6));
  } else if (mode == 'b') {
    arg = sign == '-' && set && rng_.chance(800) ? pick(bans_[room])
          : rng_.chance(800)                     ? mix_.names[rng_.below(mix_.names.size())]
                                                 : std::string{"user1*"};
  }
  return {std::string{sign, mode}, arg};
}

void random_irc_client::change_mode() {
  auto room = managed_channel();
  // An operator often changes several modes in one line (MODES=4 take arguments).
  auto n = op_in_.count(room) ? rng_.between(1, 3) : 1;
  std::string letters, args;
  for (; n > 0; --n) {
    auto [change, arg] = pick_mode_change(room);
    letters += change;
    if (!arg.empty())
      args += " " + arg;
  }
  current().endpoint->send_line("MODE #" + room + " " + letters + args);
}

void random_irc_client::set_topic() {
  auto room = managed_channel();
  auto text = rng_.chance(100) ? std::string{}
                               : "topic " + chat_words()[rng_.below(chat_words().size())];
  current().endpoint->send_line("TOPIC #" + room + " :" + text);
}

void random_irc_client::invite() {
  auto room = managed_channel();
  auto nick = mix_.names[rng_.below(mix_.names.size())];
  current().endpoint->send_line("INVITE " + nick + " #" + room);
}

void random_irc_client::away() {
  // Each client's message is its own ("coffee brk07" for client 7), so that a 301 with another
  // user's message shows (the oracle's away-reply rule); as long as "coffee break", so that the
  // bytes a run moves, and with them the network's chunking, stay as they were.
  auto n = static_cast<unsigned>(index_) % 100;
  auto message = std::string{"coffee brk"} + static_cast<char>('0' + n / 10) +
                 static_cast<char>('0' + n % 10);
  current().endpoint->send_line(rng_.chance(500) ? "AWAY :" + message : "AWAY");
}

void random_irc_client::private_message() {
  // Mostly someone it sees in a channel (a live nick), sometimes any name of the pool (401).
  auto nick = !channels_.empty() && rng_.chance(800) ? other_member(pick_channel())
                                                      : mix_.names[rng_.below(mix_.names.size())];
  current().endpoint->send_line((rng_.chance(800) ? "PRIVMSG " : "NOTICE ") + nick + " :psst " +
                                std::to_string(next_tag_++));
}

void random_irc_client::pipeline() {
  // Several commands back to back, without waiting for any answer (none changes membership).
  static const irc_action kinds[] = {irc_action::say,   irc_action::notice, irc_action::private_msg,
                                     irc_action::query, irc_action::mode,   irc_action::topic,
                                     irc_action::away,  irc_action::probe,  irc_action::invite};
  for (auto n = rng_.between(2, 5); n > 0; --n) {
    auto a = kinds[rng_.below(std::size(kinds))];
    if (needs_channel(a) && channels_.empty())
      a = irc_action::private_msg;
    perform(a);
  }
}

void random_irc_client::oper() {
  // Mostly the right password of an operator account its nick is (the account need not exist
  // yet: then 464); now and then a wrong one (464) or its nick when that is no operator (491).
  const auto& ops = mix_.irc_operators;
  const auto& me = current().name;
  if (oper_ || ops.empty())
    return;
  bool mine = std::find(ops.begin(), ops.end(), me) != ops.end();
  if (!mine && !rng_.chance(30))
    return;
  auto password = !mine || rng_.chance(100) ? std::string{"wrong-password"}
                                             : random_client::password_for(me);
  current().endpoint->send_line("OPER " + me + " " + password);
}

void random_irc_client::kill() {
  // An operator ends the session of someone it has seen in a channel (rarely: the run's
  // weight); the victim's channels see its QUIT.
  if (!oper_)
    return;
  std::vector<std::string> seen;
  for (const auto& [room, names] : members_)
    for (const auto& n : names)
      if (n != current().name)
        seen.push_back(n);
  if (seen.empty())
    return;
  auto target = seen[rng_.below(seen.size())];
  current().endpoint->send_line("KILL " + target + " :" +
                                (rng_.chance(500) ? "enough" : "go cool off"));
}

void random_irc_client::finish() {
  if (gone_ || sessions_.empty())
    return;
  auto& ep = *current().endpoint;
  read_lines();
  if (stalled_) {
    stalled_ = false;
    ep.set_reading(true);
  }
  if (registered_ && ep.connected() && sentinel_.empty())
    probe(false);
}

} // namespace parley::sim
